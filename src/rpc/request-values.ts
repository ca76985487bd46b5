import { ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { InvalidArgumentError } from "../domain/errors.js";
import { requireNoNul, requireSupportedInstant } from "../domain/validation.js";

/**
 * Checks every request message, whatever its RPC, for values the decoder lets
 * through but no handler may see: enum numbers the enum does not define
 * (proto3 enums are open, so binary decoding keeps them), strings PostgreSQL
 * cannot store (NUL) and timestamps outside the supported range. Each failure
 * names the field by its proto path, e.g. "rules.weekly_hours[0].weekday".
 */
export function checkRequestValues(desc: DescMessage, message: Message): void {
  checkMessage(reflect(desc, message), "");
}

function checkMessage(message: ReflectMessage, path: string): void {
  if (message.desc.typeName === "google.protobuf.Timestamp") {
    const timestamp = message.message as Timestamp;
    requireSupportedInstant(path, timestamp.seconds, timestamp.nanos);
    return;
  }
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    const name = path ? `${path}.${field.name}` : field.name;
    switch (field.fieldKind) {
      case "list": {
        let index = 0;
        for (const item of message.get(field)) checkValue(field, item, `${name}[${index++}]`);
        break;
      }
      case "map":
        for (const [key, value] of message.get(field)) {
          if (typeof key === "string") requireNoNul(`${name}[key]`, key);
          checkValue(field, value, `${name}[${String(key)}]`);
        }
        break;
      default:
        checkValue(field, message.get(field), name);
    }
  }
}

function checkValue(field: DescField, value: unknown, name: string): void {
  const enumType =
    field.fieldKind === "enum"
      ? field.enum
      : field.fieldKind === "list" || field.fieldKind === "map"
        ? enumOf(field)
        : undefined;
  if (enumType && typeof value === "number" && !enumType.values.some((v) => v.number === value)) {
    throw new InvalidArgumentError(name, `${value} is not a value of ${enumType.typeName}`);
  }
  if (typeof value === "string" && scalarOf(field) === ScalarType.STRING) requireNoNul(name, value);
  if (isReflectMessage(value)) checkMessage(value, name);
}

function enumOf(field: DescField) {
  if (field.fieldKind === "list" && field.listKind === "enum") return field.enum;
  if (field.fieldKind === "map" && field.mapKind === "enum") return field.enum;
  return undefined;
}

function scalarOf(field: DescField): ScalarType | undefined {
  if (field.fieldKind === "scalar") return field.scalar;
  if (field.fieldKind === "list" && field.listKind === "scalar") return field.scalar;
  if (field.fieldKind === "map" && field.mapKind === "scalar") return field.scalar;
  return undefined;
}

function isReflectMessage(value: unknown): value is ReflectMessage {
  return typeof value === "object" && value !== null && "desc" in value && "fields" in value && "isSet" in value;
}
