// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Parameters} from "../../contracts/governance/Parameters.sol";
import {AttestationRegistry} from "../../contracts/attestation/AttestationRegistry.sol";
import {ReputationOracle} from "../../contracts/reputation/ReputationOracle.sol";
import {DisputeDesk} from "../../contracts/reputation/DisputeDesk.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {IDisputeDesk} from "../../contracts/interfaces/IDisputeDesk.sol";
import {IReceiptView} from "../../contracts/interfaces/IReceiptView.sol";
import {IReceiptRegistry} from "../../contracts/interfaces/IReceiptRegistry.sol";
import {IParameters} from "../../contracts/interfaces/IParameters.sol";
import {IAttestationRegistry} from "../../contracts/interfaces/IAttestationRegistry.sol";
import {IReputationOracle} from "../../contracts/interfaces/IReputationOracle.sol";
import {TraceLeafLib} from "../../contracts/libraries/TraceLeafLib.sol";

/// @dev The cheatcodes these tests use (Hardhat 3 serves them at the usual address).
interface Vm {
    function warp(uint256) external;
    function prank(address) external;
    function startPrank(address) external;
    function stopPrank() external;
}

/// @dev Receipts as the desk reads them: fixed receipts of two keepers, every proof accepted (the Merkle part is
///      covered by the mocha tests; here the accounting is under test).
contract FakeReceipts {
    mapping(uint256 => IReceiptView.Receipt) internal _r;
    uint256 public count;

    function add(address keeper, address operator, uint64 postedAt, uint32 leafCount) external {
        IReceiptView.Receipt storage r = _r[++count];
        r.keeper = keeper;
        r.operator = operator;
        r.postedAt = postedAt;
        r.leafCount = leafCount;
        r.campaignId = keccak256(abi.encode(count));
    }

    /// @dev Moves receipt `id` back inside its challenge window (as if just posted).
    function touch(uint256 id) external {
        _r[id].postedAt = uint64(block.timestamp);
    }

    function getReceipt(uint256 id) external view returns (IReceiptView.Receipt memory) {
        require(id != 0 && id <= count, "unknown receipt");
        return _r[id];
    }

    function verifyLeaf(uint256, bytes32, bytes32[] calldata) external pure returns (bool) {
        return true;
    }

    function campaignRegistry() external pure returns (address) {
        return address(0);
    }

    function lastPostedAt(address) external pure returns (uint64) {
        return 0;
    }
}

/// @dev Random sequences of stake, unstake, withdraw, rewards, disputes, demands and capital slashes, with ghost
///      totals of what went in and out.
contract StakeHandler {
    Vm internal constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant RECEIPTS = 6;

    TestStablecoin public immutable TOKEN;
    ReputationOracle public immutable ORACLE;
    DisputeDesk public immutable DESK;
    FakeReceipts public immutable FAKE;
    address public immutable GOV;
    address[2] public operators;
    address[2] public keepers;
    address public constant CHALLENGER = address(0xC0FFEE);
    address public constant CAPITAL_BOOK = address(0xB00C);

    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostRewardsIn;
    uint256 public ghostRewardsOut;
    mapping(uint256 receiptId => uint256) public ghostSlashes;
    uint256 public maxSlashesOfAReceipt;
    mapping(uint256 disputeId => bytes32 executionId) public ghostFill;
    bool public lapsedBondReturned;
    uint256 public calls;

    constructor(TestStablecoin token, ReputationOracle oracle, DisputeDesk desk, FakeReceipts fake, address gov) {
        TOKEN = token;
        ORACLE = oracle;
        DESK = desk;
        FAKE = fake;
        GOV = gov;
        operators = [address(0xA1), address(0xA2)];
        keepers = [address(0xB1), address(0xB2)];
        for (uint256 i = 0; i < 2; i++) {
            VM.prank(operators[i]);
            oracle.proposeKeeper(keepers[i]);
            VM.prank(keepers[i]);
            oracle.acceptOperator(operators[i]);
            token.mint(operators[i], 1e15);
            VM.prank(operators[i]);
            token.approve(address(oracle), type(uint256).max);
        }
        token.mint(CHALLENGER, 1e15);
        VM.prank(CHALLENGER);
        token.approve(address(desk), type(uint256).max);
        token.mint(address(this), 1e15);
        token.approve(address(oracle), type(uint256).max);
        for (uint256 i = 0; i < RECEIPTS; i++) {
            fake.add(keepers[i % 2], operators[i % 2], uint64(block.timestamp), 4);
        }
    }

    function stake(uint256 who, uint256 amount) external {
        address op = operators[who % 2];
        amount = 1 + (amount % 1e10);
        VM.prank(op);
        ORACLE.stake(amount);
        ghostDeposited += amount;
        ++calls;
    }

    function unstake(uint256 who, uint256 amount) external {
        address op = operators[who % 2];
        uint256 active = ORACLE.stakeOf(op).active;
        if (active == 0) return;
        VM.prank(op);
        ORACLE.requestUnstake(1 + (amount % active));
        ++calls;
    }

    function withdraw(uint256 who) external {
        address op = operators[who % 2];
        IReputationOracle.OperatorStake memory s = ORACLE.stakeOf(op);
        if (s.unbonding == 0 || s.openDisputes != 0) return;
        if (block.timestamp < s.unlockAt) VM.warp(s.unlockAt);
        uint256 before = TOKEN.balanceOf(op);
        VM.prank(op);
        ORACLE.withdraw();
        ghostWithdrawn += TOKEN.balanceOf(op) - before;
        ++calls;
    }

    function reward(uint256 who, uint256 amount) external {
        amount = 1 + (amount % 1e9);
        ORACLE.payReward(keepers[who % 2], amount);
        ghostRewardsIn += amount;
        ++calls;
    }

    function claim(uint256 who) external {
        address op = operators[who % 2];
        uint256 owed = ORACLE.rewardsOf(op);
        if (owed == 0) return;
        VM.prank(op);
        ORACLE.claimRewards();
        ghostRewardsOut += owed;
        ++calls;
    }

    function challenge(uint256 receipt, uint256 leafSeed) external {
        uint256 id = 1 + (receipt % RECEIPTS);
        if (DESK.receiptDisputeState(id) == 2) return;
        TraceLeafLib.TraceLeaf memory leaf;
        leaf.campaignId = FAKE.getReceipt(id).campaignId;
        leaf.executionId = keccak256(abi.encode(leafSeed));
        leaf.price = 1;
        leaf.minPrice = 2;
        leaf.maxPrice = 3;
        IDisputeDesk.Evidence memory e;
        e.kind = IDisputeDesk.EvidenceKind.PriceOutOfBound;
        e.leaf = leaf;
        e.otherLeaf = leaf;
        try this.challengeAs(id, e) {
            ++calls;
        } catch {}
    }

    /// @dev Duplicate evidence: fill `fillSeed % 3` cited in receipts `a` and `b` (the evidence may repeat, or be
    ///      equivalent to a pending dispute's, then the desk refuses it).
    function challengeDuplicate(uint256 a, uint256 b, uint256 fillSeed) external {
        uint256 ra = 1 + (a % RECEIPTS);
        uint256 rb = 1 + (b % RECEIPTS);
        if (ra == rb || DESK.receiptDisputeState(ra) == 2) return;
        TraceLeafLib.TraceLeaf memory leaf;
        leaf.campaignId = FAKE.getReceipt(ra).campaignId;
        leaf.executionId = keccak256(abi.encode("fill", fillSeed % 3));
        TraceLeafLib.TraceLeaf memory otherLeaf = leaf;
        otherLeaf.campaignId = FAKE.getReceipt(rb).campaignId;
        IDisputeDesk.Evidence memory e;
        e.kind = IDisputeDesk.EvidenceKind.DuplicateExecution;
        e.leaf = leaf;
        e.otherReceiptId = rb;
        e.otherLeaf = otherLeaf;
        try this.challengeAs(ra, e) returns (uint256 id) {
            ghostFill[id] = leaf.executionId;
            ++calls;
        } catch {}
    }

    /// @dev Nobody rules on a pending duplicate dispute: it lapses after its deadline. The challenger gets nothing
    ///      back (the bond compensates the held operators).
    function lapse(uint256 dispute) external {
        (uint256 n, ) = DESK.counts();
        if (n == 0) return;
        uint256 id = 1 + (dispute % n);
        IDisputeDesk.Dispute memory d = DESK.disputeOf(id);
        if (d.status != IDisputeDesk.DisputeStatus.Pending || d.kind != IDisputeDesk.EvidenceKind.DuplicateExecution) {
            return;
        }
        if (block.timestamp <= d.deadline) VM.warp(d.deadline + 1);
        uint256 before = TOKEN.balanceOf(CHALLENGER);
        DESK.enforce(id);
        // A require here would only make the fuzzer drop the call: record it for the invariant instead.
        if (TOKEN.balanceOf(CHALLENGER) != before) lapsedBondReturned = true;
        ++calls;
    }

    /// @dev A receipt posted again inside its challenge window (so time jumps do not close every receipt).
    function repost(uint256 receipt) external {
        FAKE.touch(1 + (receipt % RECEIPTS));
        ++calls;
    }

    /// @dev External so `challenge` can try it (the evidence may repeat an earlier one).
    function challengeAs(uint256 id, IDisputeDesk.Evidence calldata e) external returns (uint256) {
        require(msg.sender == address(this), "self only");
        VM.prank(CHALLENGER);
        return DESK.challenge(id, e);
    }

    function resolve(uint256 dispute, bool upheld) external {
        (uint256 n, ) = DESK.counts();
        if (n == 0) return;
        uint256 id = 1 + (dispute % n);
        if (DESK.disputeOf(id).status != IDisputeDesk.DisputeStatus.Pending) return;
        _tracked(DESK.disputeOf(id).receiptId, true, id, upheld);
    }

    function demand(uint256 receipt, uint256 index) external {
        uint256 id = 1 + (receipt % RECEIPTS);
        if (DESK.receiptDisputeState(id) == 2 || DESK.demandIdOf(id, index % 4) != 0) return;
        VM.prank(CHALLENGER);
        DESK.demandLeaf(id, index % 4);
        ++calls;
    }

    function finalize(uint256 which) external {
        (, uint256 n) = DESK.counts();
        if (n == 0) return;
        uint256 id = 1 + (which % n);
        IDisputeDesk.Demand memory d = DESK.demandOf(id);
        if (d.status != IDisputeDesk.DemandStatus.Open) return;
        if (block.timestamp <= d.deadline) VM.warp(d.deadline + 1);
        _tracked(d.receiptId, false, id, false);
    }

    function slashDefault(uint256 who, uint256 amount) external {
        address op = operators[who % 2];
        uint256 before = TOKEN.balanceOf(CAPITAL_BOOK);
        VM.prank(CAPITAL_BOOK);
        uint256 slashed = ORACLE.slashForDefault(op, keepers[who % 2], amount % 1e10);
        require(TOKEN.balanceOf(CAPITAL_BOOK) - before == slashed, "capital book not paid what was slashed");
        ++calls;
    }

    /// @dev Runs a desk action on `receiptId`'s operator and counts a fraud slash when its stake went down.
    function _tracked(uint256 receiptId, bool isDispute, uint256 id, bool upheld) private {
        address op = FAKE.getReceipt(receiptId).operator;
        IReputationOracle.OperatorStake memory s = ORACLE.stakeOf(op);
        uint256 before = uint256(s.active) + s.unbonding;
        bool slashedBefore = DESK.receiptDisputeState(receiptId) == 2;
        if (isDispute) {
            VM.prank(GOV);
            DESK.resolve(id, upheld ? IDisputeDesk.Verdict.Receipt : IDisputeDesk.Verdict.Rejected);
        } else {
            DESK.finalizeDemand(id);
        }
        s = ORACLE.stakeOf(op);
        if (uint256(s.active) + s.unbonding < before || (!slashedBefore && DESK.receiptDisputeState(receiptId) == 2)) {
            uint256 n = ++ghostSlashes[receiptId];
            if (n > maxSlashesOfAReceipt) maxSlashesOfAReceipt = n;
        }
        ++calls;
    }

    /// @notice Holds each keeper should carry: one per pending dispute citing one of its receipts (both receipts of
    ///         duplicate evidence); and whether two pending duplicate disputes cite the same fill of one receipt.
    function expectedHolds() external view returns (uint256[2] memory holds, bool equivalentPending) {
        (uint256 nd, ) = DESK.counts();
        for (uint256 i = 1; i <= nd; i++) {
            IDisputeDesk.Dispute memory d = DESK.disputeOf(i);
            if (d.status != IDisputeDesk.DisputeStatus.Pending) continue;
            holds[_keeperIndex(d.receiptId)] += 1;
            if (d.kind != IDisputeDesk.EvidenceKind.DuplicateExecution) continue;
            holds[_keeperIndex(d.otherReceiptId)] += 1;
            for (uint256 j = 1; j < i; j++) {
                IDisputeDesk.Dispute memory e = DESK.disputeOf(j);
                if (e.status != IDisputeDesk.DisputeStatus.Pending) continue;
                if (e.kind != IDisputeDesk.EvidenceKind.DuplicateExecution) continue;
                bool shared =
                    e.receiptId == d.receiptId ||
                        e.receiptId == d.otherReceiptId ||
                        e.otherReceiptId == d.receiptId ||
                        e.otherReceiptId == d.otherReceiptId;
                if (shared && ghostFill[i] == ghostFill[j]) equivalentPending = true;
            }
        }
    }

    function _keeperIndex(uint256 receiptId) private view returns (uint256) {
        return FAKE.getReceipt(receiptId).keeper == keepers[0] ? 0 : 1;
    }

    /// @notice Bonds of pending disputes and open demands.
    function openBonds() external view returns (uint256 bonds) {
        (uint256 nd, uint256 nm) = DESK.counts();
        for (uint256 i = 1; i <= nd; i++) {
            IDisputeDesk.Dispute memory d = DESK.disputeOf(i);
            if (d.status == IDisputeDesk.DisputeStatus.Pending) bonds += d.bond;
        }
        for (uint256 i = 1; i <= nm; i++) {
            IDisputeDesk.Demand memory m = DESK.demandOf(i);
            if (m.status == IDisputeDesk.DemandStatus.Open) bonds += m.bond;
        }
    }
}

/// @title Stake conservation and one slash per receipt, under random sequences.
contract StakeAndDisputesInvariantTest {
    Vm internal constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    TestStablecoin internal token;
    ReputationOracle internal oracle;
    DisputeDesk internal desk;
    StakeHandler internal handler;

    function setUp() public {
        VM.warp(1_800_000_000);
        token = new TestStablecoin();
        Parameters params = new Parameters(address(this));
        AttestationRegistry attestations = new AttestationRegistry(IParameters(address(params)), address(this));
        FakeReceipts fake = new FakeReceipts();
        oracle = new ReputationOracle(
            token,
            IParameters(address(params)),
            IAttestationRegistry(address(attestations)),
            IReceiptRegistry(address(fake)),
            address(0x5EED),
            address(this)
        );
        desk = new DisputeDesk(
            token,
            IParameters(address(params)),
            IReceiptRegistry(address(fake)),
            IReputationOracle(address(oracle)),
            address(this)
        );
        oracle.setDisputeDesk(address(desk));
        handler = new StakeHandler(token, oracle, desk, fake, address(this));
        desk.grantRole(desk.ARBITER_ROLE(), address(handler));
        oracle.grantRole(oracle.CAPITAL_ROLE(), handler.CAPITAL_BOOK());
        // The handler pranks as governance (this contract) when it rules.
        desk.grantRole(desk.ARBITER_ROLE(), address(this));
    }

    /// @notice The fuzzer calls only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice deposited == active + unbonding + slashed + withdrawn, and the oracle's ghost totals agree.
    function invariant_stakeConserved() public view {
        (uint256 deposited, uint256 active, uint256 unbonding, uint256 slashed, uint256 withdrawn) = oracle
            .stakeTotals();
        require(deposited == active + unbonding + slashed + withdrawn, "stake not conserved");
        require(deposited == handler.ghostDeposited(), "deposits differ from the ghost");
        require(withdrawn == handler.ghostWithdrawn(), "withdrawals differ from the ghost");
    }

    /// @notice The oracle holds exactly active + unbonding + unclaimed rewards; the desk exactly the open bonds.
    function invariant_tokenBalancesBacked() public view {
        (, uint256 active, uint256 unbonding, , ) = oracle.stakeTotals();
        uint256 rewards = handler.ghostRewardsIn() - handler.ghostRewardsOut();
        require(token.balanceOf(address(oracle)) == active + unbonding + rewards, "oracle balance");
        require(token.balanceOf(address(desk)) == handler.openBonds(), "desk balance");
    }

    /// @notice Every keeper's hold count is the number of pending disputes citing its receipts (holds are lifted in
    ///         every outcome, lapse included), and no two pending duplicate disputes hold one receipt for one fill.
    function invariant_holdsMatchPendingDisputes() public view {
        (uint256[2] memory expected, bool equivalentPending) = handler.expectedHolds();
        for (uint256 i = 0; i < 2; i++) {
            (uint256 holds, ) = oracle.holdOf(handler.keepers(i));
            require(holds == expected[i], "holds differ from the pending disputes");
        }
        require(!equivalentPending, "two pending disputes hold a receipt for the same fill");
    }

    /// @notice A duplicate dispute nobody ruled on never returns its bond to the challenger: a hold is never free.
    function invariant_lapsedBondNeverReturned() public view {
        require(!handler.lapsedBondReturned(), "a lapsed bond went back to the challenger");
    }

    /// @notice No receipt is slashed twice, whatever the number of disputes and demands against it.
    function invariant_receiptSlashedAtMostOnce() public view {
        require(handler.maxSlashesOfAReceipt() <= 1, "a receipt was slashed twice");
    }

    function testFuzz_slashForDefault_neverTakesMoreThanTheStake(uint96 stakedSeed, uint96 asked) public {
        uint256 staked = stakedSeed % 1e15; // the test token mints at most 1e16 at once
        address op = address(0xD1);
        token.mint(op, staked);
        VM.startPrank(op);
        token.approve(address(oracle), staked);
        if (staked != 0) oracle.stake(staked);
        VM.stopPrank();
        oracle.grantRole(oracle.CAPITAL_ROLE(), address(this));
        uint256 slashed = oracle.slashForDefault(op, address(0xD2), asked);
        require(slashed == (asked < staked ? asked : staked), "slash is min(asked, stake)");
        require(oracle.slashableStake(op) == staked - slashed, "stake left");
        (uint256 holds, bool suspended) = oracle.holdOf(address(0xD2));
        require(holds == 0 && suspended, "the defaulting key is suspended");
    }
}
