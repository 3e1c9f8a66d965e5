/**
 * @module http
 *
 * The HTTP layer: the only one that knows Fastify.
 */
export { buildApp, type AppDependencies } from './app.ts'
export { GatewayListeners, type ListenerEvents } from './listeners.ts'
export { createGatewayMetrics, type GatewayMetrics } from './plugins/metrics.ts'
export type { ReadinessCheck } from './routes/health.ts'
export type { RequestAuthenticator } from './plugins/authenticate.ts'
export type {
  FilterCompilation,
  IdentityProviderServices,
  JwksRefreshResult,
  JwksStatus,
} from './routes/iam-v2/identity-provider-services.ts'
export type { CertificateAuthorityServices } from './routes/iam-v2/certificate-authority-services.ts'
