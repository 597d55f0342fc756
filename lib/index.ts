// Public API of nestjs-triple. Internal modules are reachable only through these names.
export { TripleServer, type TripleServerStatus } from './nest/server/triple-server.js';
export type { TripleServerOptions } from './nest/interfaces/triple-server-options.interface.js';
export { TripleMethod } from './nest/decorators/triple-method.decorator.js';
export { TripleStreamMethod } from './nest/decorators/triple-stream-method.decorator.js';
export { TripleService } from './nest/decorators/triple-service.decorator.js';
export { TripleContext } from './nest/ctx-host/triple.context.js';
export { TripleException } from './nest/exceptions/triple.exception.js';
export { toTripleError } from './nest/exceptions/error-mapping.js';
export { TRIPLE_TRANSPORT } from './nest/constants.js';
export { Code, codeToString, codeFromString } from './core/code.js';
export { TripleError, type ErrorDetail } from './core/triple-error.js';
export { Metadata, type MetadataValue } from './core/metadata.js';
export type { LoaderOptions } from './core/proto-loader.js';
export type { TlsOptions } from './http2/server-options.js';
// Client (issue 4): TripleClient, TripleClientsModule and their option types.
export {
  TripleClient,
  type TripleClientStatus,
  type TripleClientEvents,
  type TripleClientPattern,
  type GetServiceOptions,
  type ClientTransportFactory,
} from './nest/client/triple-client.js';
export type { TripleClientOptions } from './nest/interfaces/triple-client-options.interface.js';
export type { TripleCallOptions, MetadataInit } from './nest/client/call-options.js';
export type { RequestStream } from './nest/client/request-stream.js';
export type { ServiceStub, StubMethod, StubFlavour } from './nest/client/service-stub.js';
export { TripleClientsModule } from './nest/module/triple-clients.module.js';
export type {
  TripleClientToken,
  TripleClientProviderOptions,
  TripleClientsModuleOptions,
  TripleClientOptionsFactory,
  TripleClientAsyncOptions,
  TripleClientsModuleAsyncOptions,
} from './nest/module/triple-clients.interfaces.js';
