/**
 * @module http/listeners
 *
 * The sockets Gatehouse answers on: plain HTTP, HTTPS, or both, all served by the one Fastify
 * application. The HTTPS listener asks clients for a certificate (mTLS) without requiring one, and
 * lets OpenSSL check it against the registered certificate authorities, which can change at any
 * time (`setClientCertificateAuthorities`). Whether a certificate is accepted is decided per
 * request by authentication, never by the handshake: a client without a certificate, or with a
 * refused one, still connects and gets a clear 401 in the API's error shape.
 *
 * The server certificate and key are read from files and reloaded when either changes; a pair
 * that does not load is reported and the previous one stays in use.
 */
import { createHash } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { createSecureContext, type SecureContextOptions } from 'node:tls'
import type { FastifyInstance, FastifyServerFactory } from 'fastify'
import type { ServerConfig } from '../config/index.ts'

export interface ListenerEvents {
  /** The certificate files changed and the new pair is in use. */
  readonly onCertificateReloaded?: () => void
  /** The certificate files changed but do not load; the previous pair stays in use. */
  readonly onCertificateReloadError?: (error: unknown) => void
}

interface KeyPair {
  readonly cert: Buffer
  readonly key: Buffer
  readonly digest: string
}

async function readKeyPair(certFile: string, keyFile: string): Promise<KeyPair> {
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)])
  const digest = createHash('sha256').update(cert).update('\0').update(key).digest('hex')
  return { cert, key, digest }
}

export class GatewayListeners {
  readonly #config: ServerConfig
  readonly #events: ListenerEvents
  #pair: KeyPair | undefined
  #trusted: readonly string[] = []
  #tls: https.Server | undefined
  #plain: http.Server | undefined
  #timer: NodeJS.Timeout | undefined
  /** A changed pair that did not load: reported once, not at every check. */
  #failedDigest: string | undefined

  private constructor(config: ServerConfig, events: ListenerEvents) {
    this.#config = config
    this.#events = events
  }

  /**
   * Reads the certificate files (when TLS is on).
   * @throws Error naming the file that cannot be read or the pair that does not load.
   */
  static async create(config: ServerConfig, events: ListenerEvents = {}): Promise<GatewayListeners> {
    const listeners = new GatewayListeners(config, events)
    const tls = config.tls
    if (tls.enabled) {
      let pair: KeyPair
      try {
        pair = await readKeyPair(tls.certFile!, tls.keyFile!)
      } catch (error) {
        throw new Error(`cannot read the TLS certificate or key: ${(error as Error).message}`, {
          cause: error,
        })
      }
      // Fails here, at start, for a key that does not match its certificate or a malformed file.
      createSecureContext(listeners.#contextOptions(pair))
      listeners.#pair = pair
    }
    return listeners
  }

  get isTlsEnabled(): boolean {
    return this.#config.tls.enabled
  }

  #contextOptions(pair: KeyPair): SecureContextOptions {
    return {
      cert: pair.cert,
      key: pair.key,
      minVersion: this.#config.tls.minVersion,
      // Only the registered authorities: never the public roots a default context would trust.
      ca: this.#trusted.length > 0 ? [...this.#trusted] : undefined,
      // A registered intermediate is a trust anchor of its own, as Confluent accepts chains
      // without their root.
      allowPartialTrustChain: true,
    }
  }

  /**
   * For Fastify's `serverFactory` when TLS is on: the HTTPS server, with the same handler
   * attached to the plain HTTP server when both are served. Undefined without TLS (Fastify then
   * creates its own HTTP server).
   */
  serverFactory(): FastifyServerFactory | undefined {
    if (!this.#config.tls.enabled) return undefined
    return (handler) => {
      const tls = this.#config.tls
      this.#tls = https.createServer({
        ...this.#contextOptions(this.#pair!),
        requestCert: tls.clientCertificates === 'request',
        // The handshake never refuses a certificate: authentication answers with a clear 401.
        rejectUnauthorized: false,
      })
      this.#tls.on('request', handler)
      if (this.#config.plainHttp) {
        this.#plain = http.createServer()
        this.#plain.on('request', handler)
      }
      return this.#tls
    }
  }

  /** The PEM certificates the HTTPS listener trusts for client certificates, from now on. */
  setClientCertificateAuthorities(certificates: readonly string[]): void {
    this.#trusted = [...certificates]
    this.#applyContext()
  }

  #applyContext(): void {
    if (this.#tls === undefined || this.#pair === undefined) return
    this.#tls.setSecureContext(this.#contextOptions(this.#pair))
  }

  /** Listens on every configured socket; returns their URLs, the primary first. */
  async listen(app: FastifyInstance): Promise<string[]> {
    const config = this.#config
    const host = config.host
    if (!config.tls.enabled) {
      return [await app.listen({ host, port: config.port })]
    }
    const urls = [await app.listen({ host, port: config.tls.port })]
    if (this.#plain !== undefined) {
      const plain = this.#plain
      await new Promise<void>((resolve, reject) => {
        plain.once('error', reject)
        plain.listen(config.port, host, () => {
          plain.off('error', reject)
          resolve()
        })
      })
      const address = plain.address() as AddressInfo
      const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      app.log.info(`Server listening at ${url}`)
      urls.push(url)
    }
    this.#timer = setInterval(() => void this.#reloadIfChanged(), config.tls.reloadIntervalMs)
    this.#timer.unref()
    return urls
  }

  async #reloadIfChanged(): Promise<void> {
    const tls = this.#config.tls
    let pair: KeyPair
    try {
      pair = await readKeyPair(tls.certFile!, tls.keyFile!)
    } catch (error) {
      this.#events.onCertificateReloadError?.(error)
      return
    }
    if (pair.digest === this.#pair?.digest || pair.digest === this.#failedDigest) return
    try {
      createSecureContext(this.#contextOptions(pair))
    } catch (error) {
      // Files are often replaced one at a time: the next check will see both.
      this.#failedDigest = pair.digest
      this.#events.onCertificateReloadError?.(error)
      return
    }
    this.#pair = pair
    this.#applyContext()
    this.#events.onCertificateReloaded?.()
  }

  /** Stops the reload timer and the plain HTTP server (Fastify closes the primary one). */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    const plain = this.#plain
    if (plain?.listening) {
      plain.closeIdleConnections()
      await new Promise<void>((resolve) => plain.close(() => resolve()))
    }
  }
}
