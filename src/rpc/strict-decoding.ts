import {
  fromBinary,
  fromJson,
  type DescField,
  type DescMessage,
  type JsonValue,
  type Message,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { InvalidArgumentError } from "../domain/errors.js";
import { checkRequestValues } from "./request-values.js";

/** How request bytes arrive: whole (Connect unary) or as length-prefixed messages (gRPC, gRPC-Web, Connect streaming). */
interface Framing {
  enveloped: boolean;
  json: boolean;
}

function framingOf(contentType: string | null): Framing | undefined {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/proto") return { enveloped: false, json: false };
  if (type === "application/json") return { enveloped: false, json: true };
  const match = /^application\/(grpc|grpc-web|connect)(?:\+(proto|json))?$/.exec(type);
  if (!match || (match[1] === "connect" && !match[2])) return undefined;
  return { enveloped: true, json: match[2] === "json" };
}

/** JSON requests are strict: an unknown key is an error, not a silently ignored typo. */
export const STRICT_JSON = { ignoreUnknownFields: false } as const;

const COMPRESSED_FLAG = 0b0000_0001;
export const UNNEGOTIATED_COMPRESSION = "message is flagged compressed, but no compression was negotiated";
const utf8 = new TextDecoder("utf-8", { fatal: true });

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/**
 * Which field a JSON body got wrong: protobuf-es reports an unknown enum name
 * or a bad timestamp without the field. Each key is decoded alone to find it.
 */
function locateJsonError(desc: DescMessage, json: JsonValue, path: string): string | undefined {
  if (
    typeof json !== "object" ||
    json === null ||
    Array.isArray(json) ||
    desc.typeName.startsWith("google.protobuf.")
  ) {
    return undefined;
  }
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (!field) return `${path}${key}: unknown field`;
    try {
      fromJson(desc, { [key]: value } as JsonValue, STRICT_JSON);
      continue;
    } catch (error) {
      const name = `${path}${field.name}`;
      return nestedJsonError(field, value, name) ?? `${name}: ${jsonProblem(field, value, error)}`;
    }
  }
  return undefined;
}

function nestedJsonError(field: DescField, value: JsonValue, name: string): string | undefined {
  if (field.fieldKind === "message") return locateJsonError(field.message, value, `${name}.`);
  if (field.fieldKind === "list" && field.listKind === "message" && Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = locateJsonError(field.message, item, `${name}[${index}].`);
      if (found) return found;
    }
  }
  return undefined;
}

function jsonProblem(field: DescField, value: JsonValue, error: unknown): string {
  const enumType =
    field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum") ? field.enum : undefined;
  if (enumType) return `${JSON.stringify(value)} is not a value of ${enumType.typeName}`;
  const message =
    field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")
      ? field.message
      : undefined;
  if (message?.typeName === "google.protobuf.Timestamp") return `${JSON.stringify(value)} is not an RFC 3339 timestamp`;
  return (error instanceof Error ? error.message : String(error)).replace(/^cannot decode .* from JSON: /, "");
}

const RFC3339_DATE = /^(\d{4})-(\d{2})-(\d{2})T/;

/** A date part with no such day (2031-02-30, 2030-04-31): V8's Date.parse, which protobuf-es uses, rolls it over. */
function impossibleDate(value: string): boolean {
  const date = RFC3339_DATE.exec(value);
  if (!date) return false;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  return month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The first timestamp of a decoded JSON body (fields, nested messages, lists) whose date does not
 * exist, named: protobuf-es accepted it as a later day (2031-02-30 as 2031-03-02).
 */
function impossibleTimestamp(desc: DescMessage, json: JsonValue, path: string): string | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (!field || !(field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message"))) {
      continue;
    }
    const name = `${path}${field.name}`;
    const items: [JsonValue, string][] =
      field.fieldKind === "list" && Array.isArray(value)
        ? value.map((item, index) => [item, `${name}[${index}]`])
        : [[value, name]];
    for (const [item, itemName] of items) {
      if (field.message.typeName === "google.protobuf.Timestamp") {
        if (typeof item === "string" && impossibleDate(item)) {
          return `${itemName}: ${JSON.stringify(item)} is not an RFC 3339 timestamp (no such day)`;
        }
      } else if (!field.message.typeName.startsWith("google.protobuf.")) {
        const found = impossibleTimestamp(field.message, item, `${itemName}.`);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** Decodes one request message the way connect-es will, but fails with invalid_argument naming what is wrong. */
function decodeRequest(desc: DescMessage, json: boolean, payload: Uint8Array): Message {
  if (!json) {
    try {
      return fromBinary(desc, payload);
    } catch (error) {
      throw invalid(`malformed protobuf message: ${(error as Error).message}`);
    }
  }
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(utf8.decode(payload)) as JsonValue;
  } catch {
    throw invalid("request body is not valid UTF-8 JSON");
  }
  let message: Message;
  try {
    message = fromJson(desc, parsed, STRICT_JSON);
  } catch (error) {
    throw invalid(locateJsonError(desc, parsed, "") ?? (error as Error).message);
  }
  const noSuchDay = impossibleTimestamp(desc, parsed, "");
  if (noSuchDay) throw invalid(noSuchDay);
  return message;
}

/**
 * One request message decoded and its values checked (request-values.ts), or
 * invalid_argument naming what is wrong. The lean gRPC path hands the result
 * straight to the handler; connect's path only checks, then decodes again.
 */
export function decodeCheckedRequest(desc: DescMessage, json: boolean, payload: Uint8Array): Message {
  const message = decodeRequest(desc, json, payload);
  try {
    checkRequestValues(desc, message);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw invalid(error.message);
    throw error;
  }
  return message;
}

/** Bytes received but not yet handed on. */
class PendingBytes {
  private chunks: Uint8Array[] = [];
  size = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
  }

  /** All pending bytes as one array (kept as one chunk afterwards). */
  joined(): Uint8Array {
    if (this.chunks.length !== 1) {
      const all = new Uint8Array(this.size);
      let offset = 0;
      for (const chunk of this.chunks) {
        all.set(chunk, offset);
        offset += chunk.byteLength;
      }
      this.chunks = [all];
    }
    return this.chunks[0] ?? new Uint8Array(0);
  }

  take(count: number): Uint8Array {
    const all = this.joined();
    this.chunks = count < all.byteLength ? [all.subarray(count)] : [];
    this.size -= count;
    return all.subarray(0, count);
  }
}

/**
 * The request body, handed on one complete message at a time after checking
 * it. A check failure ends the body with invalid_argument, which connect-es
 * then reports in the caller's protocol. Anything over readMaxBytes is passed
 * through unchecked: connect-es refuses it (resource_exhausted) without buffering.
 */
async function* checkedBody(
  body: AsyncIterable<Uint8Array>,
  desc: DescMessage,
  framing: Framing,
  readMaxBytes: number,
): AsyncGenerator<Uint8Array> {
  const pending = new PendingBytes();
  let unchecked = false;
  for await (const chunk of body) {
    if (unchecked) {
      yield chunk;
      continue;
    }
    pending.push(chunk);
    if (!framing.enveloped) {
      if (pending.size > readMaxBytes) unchecked = true;
    } else {
      let ready = 0;
      const all = pending.joined();
      while (all.byteLength - ready >= 5) {
        const flags = all[ready]!;
        const length = new DataView(all.buffer, all.byteOffset + ready + 1, 4).getUint32(0);
        if (length > readMaxBytes) {
          unchecked = true;
          break;
        }
        if (all.byteLength - ready - 5 < length) break;
        if (flags & COMPRESSED_FLAG) throw invalid(UNNEGOTIATED_COMPRESSION);
        decodeCheckedRequest(desc, framing.json, all.subarray(ready + 5, ready + 5 + length));
        ready += 5 + length;
      }
      if (ready > 0 && !unchecked) yield pending.take(ready);
    }
    if (unchecked) yield pending.take(pending.size);
  }
  if (pending.size > 0 && !framing.enveloped) decodeCheckedRequest(desc, framing.json, pending.joined());
  // A trailing partial envelope goes on as it is: connect-es reports it as incomplete.
  if (pending.size > 0) yield pending.take(pending.size);
}

/**
 * Wraps a connect-es handler so that every request message is decoded and
 * checked before the handler sees it. connect-es itself answers INTERNAL for
 * binary it cannot decode, and decodes before any interceptor runs.
 */
export function strictDecoding(handler: UniversalHandler, options: { readMaxBytes: number }): UniversalHandler {
  const desc = handler.method.input;
  const strict = async (req: UniversalServerRequest) => {
    const framing = framingOf(req.header.get("content-type"));
    const body = req.body;
    if (!framing || typeof body !== "object" || body === null || !(Symbol.asyncIterator in body)) return handler(req);
    return handler({
      ...req,
      body: checkedBody(body as AsyncIterable<Uint8Array>, desc, framing, options.readMaxBytes),
    });
  };
  return Object.assign(strict, {
    requestPath: handler.requestPath,
    service: handler.service,
    method: handler.method,
    protocolNames: handler.protocolNames,
    allowedMethods: handler.allowedMethods,
    supportedContentType: handler.supportedContentType,
  });
}
