/**
 * What we remember of one CalDAV calendar between syncs: the collection's
 * sync-token (absent when the server lacks sync-collection: etag diff then),
 * and per object resource its etag and the instance ids we reported, so a
 * changed or deleted resource can retract instances that no longer exist.
 */
export interface CaldavSyncState {
  v: 1;
  token?: string;
  objects: Record<string, { etag?: string; ids: string[] }>;
}

export function encodeSyncState(state: CaldavSyncState): string {
  return JSON.stringify(state);
}

export function decodeSyncState(text: string): CaldavSyncState | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<CaldavSyncState>;
    if (parsed.v !== 1 || typeof parsed.objects !== "object" || parsed.objects === null) return undefined;
    return parsed as CaldavSyncState;
  } catch {
    return undefined;
  }
}
