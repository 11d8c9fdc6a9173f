// The cookies of one OData client's SAP session (SAP_SESSIONID_<SID>_<client>, sap-usercontext, sap-XSRF_...):
// SAP's CSRF token is valid only with the session cookie it was issued with (SAP KBA 3048103), so the client keeps
// every cookie it is given and sends them back. One origin per client, so the jar keeps name, value, path and expiry
// and no domain matching. Expiry: Max-Age in seconds, else Expires read by Date.parse (SAP writes RFC 1123 dates);
// an expired or emptied cookie is dropped, which is how SAP's logoff removes its session cookie.
// A full RFC 6265 jar (tough-cookie) would fit if the client ever talks to several origins through one jar.

interface StoredCookie { readonly value: string, readonly path: string, readonly expiresAt: number | undefined }

export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>()

  constructor (private readonly now: () => number = Date.now) {}

  /** Takes the response's Set-Cookie lines (Headers.getSetCookie()). */
  store (setCookieLines: readonly string[]): void {
    for (const line of setCookieLines) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair!.indexOf('=')
      if (eq <= 0) continue
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      let path = '/'
      let expiresAt: number | undefined
      let maxAgeSeen = false
      for (const a of attributes) {
        const i = a.indexOf('=')
        const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase()
        const v = i < 0 ? '' : a.slice(i + 1).trim()
        if (key === 'path' && v.startsWith('/')) path = v
        else if (key === 'max-age' && /^-?\d+$/.test(v)) { expiresAt = this.now() + Number(v) * 1000; maxAgeSeen = true }
        else if (key === 'expires' && !maxAgeSeen) {
          const t = Date.parse(v)
          if (!Number.isNaN(t)) expiresAt = t
        }
      }
      if (value === '' || (expiresAt !== undefined && expiresAt <= this.now())) this.cookies.delete(name)
      else this.cookies.set(name, { value, path, expiresAt })
    }
  }

  /** The Cookie header for a request path, or undefined when no cookie applies. */
  header (requestPath: string): string | undefined {
    const now = this.now()
    const parts: string[] = []
    for (const [name, c] of this.cookies) {
      if (c.expiresAt !== undefined && c.expiresAt <= now) { this.cookies.delete(name); continue }
      if (requestPath === c.path || requestPath.startsWith(c.path.endsWith('/') ? c.path : c.path + '/')) parts.push(`${name}=${c.value}`)
    }
    return parts.length > 0 ? parts.join('; ') : undefined
  }

  clear (): void {
    this.cookies.clear()
  }
}
