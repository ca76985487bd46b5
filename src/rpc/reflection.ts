import {
  create,
  createFileRegistry,
  fromBinary,
  toBinary,
  type DescFile,
  type FileRegistry,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { descriptorSetBase64 } from "../../gen/descriptor-set.js";
import {
  type ServerReflection as ServerReflectionV1alpha,
  ServerReflectionRequestSchema as ServerReflectionRequestV1alphaSchema,
  ServerReflectionResponseSchema as ServerReflectionResponseV1alphaSchema,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import {
  type ServerReflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";

/** NOT_FOUND in gRPC's numbering, as the reflection protocol reports errors in-band. */
const GRPC_NOT_FOUND = 5;
const GRPC_UNIMPLEMENTED = 12;

interface DescriptorIndex {
  registry: FileRegistry;
  /** Serialized FileDescriptorProto (with comments) by file name. */
  fileBytes: Map<string, Uint8Array>;
}

function buildIndex(): DescriptorIndex {
  const set = fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, "base64"));
  const fileBytes = new Map<string, Uint8Array>();
  for (const file of set.file) fileBytes.set(file.name, toBinary(FileDescriptorProtoSchema, file));
  return { registry: createFileRegistry(set), fileBytes };
}

/** The file and everything it imports, dependencies first, as the protocol allows. */
function withDependencies(file: DescFile): DescFile[] {
  const seen = new Set<string>();
  const ordered: DescFile[] = [];
  const visit = (f: DescFile) => {
    if (seen.has(f.name)) return;
    seen.add(f.name);
    for (const dep of f.dependencies) visit(dep);
    ordered.push(f);
  };
  visit(file);
  return ordered;
}

function fileOfSymbol(registry: FileRegistry, symbol: string): DescFile | undefined {
  const desc = registry.get(symbol);
  if (desc) return desc.file;
  // Methods and fields are named "pkg.Parent.member": look up the parent.
  const dot = symbol.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const parent = registry.get(symbol.slice(0, dot));
  return parent?.file;
}

/** grpc.reflection.v1: lets grpcurl and buf curl call us without a local schema. */
export function reflectionService(exposedServices: string[]): ServiceImpl<typeof ServerReflection> {
  const index = buildIndex();
  const answer = (request: ServerReflectionRequest): ServerReflectionResponse => {
    const reply = (messageResponse: MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"]) =>
      create(ServerReflectionResponseSchema, { validHost: request.host, originalRequest: request, messageResponse });
    const files = (file: DescFile | undefined, what: string) =>
      file
        ? reply({
            case: "fileDescriptorResponse",
            value: {
              fileDescriptorProto: withDependencies(file).map(
                (f) => index.fileBytes.get(f.proto.name) ?? new Uint8Array(),
              ),
            },
          })
        : reply({ case: "errorResponse", value: { errorCode: GRPC_NOT_FOUND, errorMessage: `${what} not found` } });

    const req = request.messageRequest;
    switch (req.case) {
      case "listServices":
        return reply({ case: "listServicesResponse", value: { service: exposedServices.map((name) => ({ name })) } });
      case "fileContainingSymbol":
        return files(fileOfSymbol(index.registry, req.value), `symbol ${req.value}`);
      case "fileByFilename":
        return files(index.registry.getFile(req.value), `file ${req.value}`);
      case "fileContainingExtension":
        return files(undefined, `extension ${req.value.extensionNumber} of ${req.value.containingType}`);
      case "allExtensionNumbersOfType":
        return index.registry.getMessage(req.value)
          ? reply({ case: "allExtensionNumbersResponse", value: { baseTypeName: req.value, extensionNumber: [] } })
          : reply({
              case: "errorResponse",
              value: { errorCode: GRPC_NOT_FOUND, errorMessage: `type ${req.value} not found` },
            });
      default:
        return reply({
          case: "errorResponse",
          value: { errorCode: GRPC_UNIMPLEMENTED, errorMessage: "unknown request" },
        });
    }
  };
  return {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) yield answer(request);
    },
  };
}

/**
 * grpc.reflection.v1alpha, which older grpcurl versions still ask for: the
 * same messages under another package, so each request is re-read as v1 from
 * its bytes and each answer re-read as v1alpha.
 */
export function reflectionServiceV1alpha(
  v1: ServiceImpl<typeof ServerReflection>,
): ServiceImpl<typeof ServerReflectionV1alpha> {
  return {
    async *serverReflectionInfo(requests, context) {
      async function* asV1() {
        for await (const request of requests) {
          yield fromBinary(ServerReflectionRequestSchema, toBinary(ServerReflectionRequestV1alphaSchema, request));
        }
      }
      for await (const response of v1.serverReflectionInfo(asV1(), context)) {
        const v1Response = create(ServerReflectionResponseSchema, response);
        yield fromBinary(ServerReflectionResponseV1alphaSchema, toBinary(ServerReflectionResponseSchema, v1Response));
      }
    },
  };
}
