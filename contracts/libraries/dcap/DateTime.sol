// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title DateTime
/// @notice Unix time of calendar dates (proleptic Gregorian, UTC) as X.509 (UTCTime, GeneralizedTime) and
///         Intel's collateral JSON (ISO 8601 "YYYY-MM-DDTHH:MM:SSZ") write them.
library DateTime {
    /// @notice Thrown when a date string is not in the expected format.
    error DateTimeMalformed(uint256 offset);

    /// @notice Seconds since 1970-01-01T00:00:00Z of a date from 1970 on (days-from-civil, H. Hinnant).
    function toUnix(
        uint256 year,
        uint256 month,
        uint256 day,
        uint256 hour,
        uint256 minute,
        uint256 second
    ) internal pure returns (uint256) {
        if (year < 1970 || month == 0 || month > 12 || day == 0 || day > 31 || hour > 23 || minute > 59) {
            revert DateTimeMalformed(0);
        }
        if (second > 60) revert DateTimeMalformed(0);
        uint256 y = month <= 2 ? year - 1 : year;
        uint256 era = y / 400;
        uint256 yoe = y - era * 400;
        uint256 mp = month > 2 ? month - 3 : month + 9;
        uint256 doy = (153 * mp + 2) / 5 + day - 1;
        uint256 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        // era * 146097 + doe counts days from 0000-03-01; 719468 of them precede 1970-01-01 (years >= 1970 only).
        uint256 days_ = era * 146097 + doe - 719468;
        return days_ * 86400 + hour * 3600 + minute * 60 + second;
    }

    /// @notice The decimal number of `count` ASCII digits of `s` at `offset`.
    function digits(bytes memory s, uint256 offset, uint256 count) internal pure returns (uint256 v) {
        if (offset + count > s.length) revert DateTimeMalformed(offset);
        for (uint256 i; i < count; ++i) {
            uint8 c = uint8(s[offset + i]);
            if (c < 0x30 || c > 0x39) revert DateTimeMalformed(offset + i);
            v = v * 10 + (c - 0x30);
        }
    }

    /// @notice Unix time of an X.509 time: UTCTime "YYMMDDHHMMSSZ" (`generalized` false; years 1950-2049) or
    ///         GeneralizedTime "YYYYMMDDHHMMSSZ", whose content is `len` bytes at `offset`.
    function fromX509(bytes memory s, uint256 offset, uint256 len, bool generalized) internal pure returns (uint256) {
        uint256 yl = generalized ? 4 : 2;
        if (len != yl + 11 || uint8(s[offset + len - 1]) != 0x5a) revert DateTimeMalformed(offset);
        uint256 year = digits(s, offset, yl);
        if (!generalized) year += year < 50 ? 2000 : 1900;
        uint256 o = offset + yl;
        return
            toUnix(
                year,
                digits(s, o, 2),
                digits(s, o + 2, 2),
                digits(s, o + 4, 2),
                digits(s, o + 6, 2),
                digits(s, o + 8, 2)
            );
    }

    /// @notice Unix time of an ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" string of `len` bytes at `offset`.
    function fromIso(bytes memory s, uint256 offset, uint256 len) internal pure returns (uint256) {
        if (len != 20 || uint8(s[offset + 19]) != 0x5a || uint8(s[offset + 10]) != 0x54) {
            revert DateTimeMalformed(offset);
        }
        return
            toUnix(
                digits(s, offset, 4),
                digits(s, offset + 5, 2),
                digits(s, offset + 8, 2),
                digits(s, offset + 11, 2),
                digits(s, offset + 14, 2),
                digits(s, offset + 17, 2)
            );
    }
}
