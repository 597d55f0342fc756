import protobuf from 'protobufjs';
import { Code } from './code.js';
import { TripleError, type ErrorDetail } from './triple-error.js';

/**
 * google.rpc.Status, the payload of `grpc-status-details-bin`, hand-rolled on protobufjs'
 * Writer/Reader: three fields do not justify loading status.proto, and this keeps error
 * encoding free of reflection.
 *
 *   message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
 *   message Any    { string type_url = 1; bytes value = 2; }
 */
export interface StatusDetails {
  code: number;
  message: string;
  details: ErrorDetail[];
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const TAG_STATUS_CODE = (1 << 3) | WIRE_VARINT;
const TAG_STATUS_MESSAGE = (2 << 3) | WIRE_LEN;
const TAG_STATUS_DETAILS = (3 << 3) | WIRE_LEN;
const TAG_ANY_TYPE_URL = (1 << 3) | WIRE_LEN;
const TAG_ANY_VALUE = (2 << 3) | WIRE_LEN;

/** Serializes a status. Proto3 defaults (code 0, empty strings) are omitted, as protoc does. */
export function encodeStatusDetails(code: number, message: string, details: readonly ErrorDetail[]): Uint8Array {
  const writer = protobuf.Writer.create();
  if (code !== 0) writer.uint32(TAG_STATUS_CODE).int32(code);
  if (message) writer.uint32(TAG_STATUS_MESSAGE).string(message);
  for (const detail of details) {
    writer.uint32(TAG_STATUS_DETAILS).fork();
    if (detail.typeUrl) writer.uint32(TAG_ANY_TYPE_URL).string(detail.typeUrl);
    if (detail.value.byteLength > 0) writer.uint32(TAG_ANY_VALUE).bytes(detail.value);
    writer.ldelim();
  }
  return writer.finish();
}

/**
 * Parses a status a peer sent. Unknown fields are skipped (newer peers may add some); bytes
 * that are not a valid message throw TripleError INTERNAL, the code gRPC clients use for a
 * malformed status. Detail values are copied so they do not pin the caller's buffer.
 */
export function decodeStatusDetails(bytes: Uint8Array): StatusDetails {
  try {
    const reader = protobuf.Reader.create(bytes);
    const result: StatusDetails = { code: 0, message: '', details: [] };
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === TAG_STATUS_CODE) result.code = reader.int32();
      else if (tag === TAG_STATUS_MESSAGE) result.message = reader.string();
      else if (tag === TAG_STATUS_DETAILS) result.details.push(decodeAny(reader, reader.uint32()));
      else skipField(reader, tag);
    }
    return result;
  } catch (e) {
    throw new TripleError(Code.INTERNAL, 'protocol error: invalid google.rpc.Status in grpc-status-details-bin', { cause: e });
  }
}

function decodeAny(reader: protobuf.Reader, length: number): ErrorDetail {
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError('google.protobuf.Any overruns the status');
  const detail: ErrorDetail = { typeUrl: '', value: new Uint8Array(0) };
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === TAG_ANY_TYPE_URL) detail.typeUrl = reader.string();
    else if (tag === TAG_ANY_VALUE) detail.value = new Uint8Array(reader.bytes());
    else skipField(reader, tag);
  }
  if (reader.pos !== end) throw new RangeError('google.protobuf.Any field overruns its length');
  return detail;
}

function skipField(reader: protobuf.Reader, tag: number): void {
  if (tag >>> 3 === 0) throw new RangeError('illegal tag: field number 0');
  reader.skipType(tag & 7);
}
