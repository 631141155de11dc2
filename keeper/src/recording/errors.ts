import { KeeperError } from "../errors.js";

/** Base class of every error raised by the recording layer (traces, Merkle trees, content store, receipts). */
export class RecordingError extends KeeperError {
  override name = "RecordingError";
}

/** A trace entry failed validation (bad decimal, unknown source, wrong campaign...). */
export class TraceEntryInvalidError extends RecordingError {
  override name = "TraceEntryInvalidError";
}

/** A trace file holds a corrupt line that is not a torn tail: the file was damaged and is refused. */
export class TraceCorruptError extends RecordingError {
  override name = "TraceCorruptError";
}

/** The campaign's receipt is sealed (signed): its trace accepts no more entries. */
export class TraceSealedError extends RecordingError {
  override name = "TraceSealedError";
}

/** An execution (same execution hash) was recorded again with different content. */
export class DuplicateExecutionError extends RecordingError {
  override name = "DuplicateExecutionError";
}

/** The content store holds bytes that do not hash to the requested CID: they are refused. */
export class ContentIntegrityError extends RecordingError {
  override name = "ContentIntegrityError";
}

/** The content store has no object under the requested CID. */
export class ContentNotFoundError extends RecordingError {
  override name = "ContentNotFoundError";
}

/** A receipt cannot be built from a trace (empty trace, mixed campaigns, unit overflow, unpriced fee asset...). */
export class ReceiptError extends RecordingError {
  override name = "ReceiptError";
}

/** The campaign is not this keeper's live claim (claim lapsed, released, taken): the registry would refuse its receipt. */
export class ReceiptClaimNotLiveError extends RecordingError {
  override name = "ReceiptClaimNotLiveError";
}
