/** Where the store keeps its data: the embedded SQLite file, or a PostgreSQL server. */
export interface StoreLocation {
  /** Directory of the embedded SQLite file. */
  dataDir: string;
  /** A `postgres://` URL; when set, PostgreSQL is used instead of SQLite. */
  databaseUrl?: string;
  /** PostgreSQL connections this node keeps at most. */
  databasePoolSize?: number;
  /** Told about PostgreSQL connections that broke while idle (e.g. a server restart). */
  onDatabaseError?: (error: Error) => void;
  /** Told when writing usage counts or conversations' times failed (they are kept for the next flush). */
  onBookkeepingError?: (error: unknown) => void;
}
