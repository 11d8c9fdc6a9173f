// Node-RED's permission rule (permissions.js in @node-red/editor-api, not exported), for the hub's own checks of
// editor users and tokens: the MES API's mes.read / mes.write, the login guard's scopes, who may sign.

/**
 * Whether `scope` (a user's permissions or a token's scope) holds `permission`: a scope of '*', the permission
 * itself, 'read' for any '….read' and 'write' for any '….write'; a list of scopes holds what any of them holds.
 */
export function scopeAllows (scope: unknown, permission: string): boolean {
  if (Array.isArray(scope)) return scope.some((s) => scopeAllows(s, permission))
  if (scope === '*' || scope === permission) return true
  if (scope === 'read' || scope === '*.read') return /^(.+\.)?read$/.test(permission)
  if (scope === 'write' || scope === '*.write') return /^(.+\.)?write$/.test(permission)
  return false
}
