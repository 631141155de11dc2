// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title CampaignIdLib
/// @notice What a campaign is and how its id is derived:
///         `campaignId = keccak256(abi.encode(assetPair, priceWindow, route, dispatchCommitment))` with
///         `dispatchCommitment = keccak256(abi.encode(uint8 mode, uint8 dispatchBy, address[] dispatchOrder))`.
///         Every economic parameter of the opportunity and who may execute it first are inside the id, so
///         the same id means "no change", and a front-runner cannot republish the spec under another dispatch
///         list with the same id (L1). The TypeScript twin is `keeper/src/campaign/id.ts`;
///         `test/vectors/campaign-id.json` is checked against both.
library CampaignIdLib {
    /// @notice Price bounds (8 decimals) and validity interval of the opportunity.
    struct PriceWindow {
        uint128 minPrice;
        uint128 maxPrice;
        uint64 notBefore;
        uint64 notAfter;
    }

    /// @notice How the opportunity is executed: the strategy (rate-limited per id) and its venues.
    struct Route {
        bytes32 strategyId;
        bytes32 sourceVenue;
        bytes32 targetVenue;
    }

    /// @notice A campaign's economic content. `assetPair` is the pair's symbol as bytes32
    ///         (`encodeBytes32String("ETH/USDC")`); executions are serialised per pair.
    struct CampaignSpec {
        bytes32 assetPair;
        PriceWindow priceWindow;
        Route route;
    }

    /// @notice The commitment to how a campaign is dispatched (`mode`: 0 race, 1 dispatch; `dispatchBy`:
    ///         0 reputation, 1 capital; the ordered list, empty in race mode).
    function dispatchCommitment(
        uint8 mode,
        uint8 dispatchBy,
        address[] calldata dispatchOrder
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(mode, dispatchBy, dispatchOrder));
    }

    /// @notice The campaign id of `spec` dispatched as committed by `dispatch`.
    function id(CampaignSpec calldata spec, bytes32 dispatch) internal pure returns (bytes32) {
        return keccak256(abi.encode(spec.assetPair, spec.priceWindow, spec.route, dispatch));
    }
}
