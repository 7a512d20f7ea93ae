package main

// Why this file exists: FerretDB v1.24's SQLite backend pushes a single-key {_id: …} filter (finds,
// updates, deletes) down to SQL as `WHERE _ferretdb_sjson->'$._id' = ?`, but the unique `_id`
// index it creates is on `_ferretdb_sjson->"_id"`. SQLite matches index expressions textually, so
// it cannot use that index and scans the whole table for every lookup by _id (~12 ms at 20,000
// documents). An index on the exact expression the queries use turns the scan into an index
// search. FerretDB itself is not changed: this program adds the index beside FerretDB's own, on
// every collection table, including tables created after start (FerretDB offers no hook for
// that, hence the polling). FerretDB keeps its index list in its own metadata, so it neither
// sees nor drops this one; dropping a collection drops the table and the index with it.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

const (
	// idLookupExpr is FerretDB's metadata.IDColumn (internal/backends/sqlite/metadata).
	idLookupExpr = `_ferretdb_sjson->'$._id'`
	// idIndexSuffix names our index "<table>__id_lookup"; FerretDB names its own "<table>_<name>",
	// and a MongoDB index name cannot start with "_" here (FerretDB's are "_id_" and user names).
	idIndexSuffix = "__id_lookup"
	idIndexPoll   = 200 * time.Millisecond
)

// openSQLite opens one of FerretDB's database files. busyTimeout is how long a statement waits for
// FerretDB's writers before failing with SQLITE_BUSY.
func openSQLite(path string, readOnly bool, busyTimeout time.Duration) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	if readOnly {
		q.Add("mode", "ro")
	}
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// keepIDIndexes adds the _id lookup index to every FerretDB collection table in dataDir until ctx
// ends. The first pass runs before it returns, so collections that exist at start are indexed
// before the ready line is printed.
//
// Each pass opens each database file and closes it again: a connection kept open would outlive a
// dropDatabase (FerretDB deletes the file) and share the -shm file of the database created next
// under the same name, which SQLite does not allow.
func keepIDIndexes(ctx context.Context, dataDir string, logger *slog.Logger) {
	pass := func() {
		paths, _ := filepath.Glob(filepath.Join(dataDir, "*.sqlite"))
		// Files side by side: one busy database must not hold back the indexing of the others.
		var wg sync.WaitGroup
		for _, path := range paths {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := indexFile(ctx, path); err != nil && ctx.Err() == nil {
					logger.Debug("id index: pass failed; retrying", "file", path, "error", err)
				}
			}()
		}
		wg.Wait()
	}
	pass()
	go func() {
		ticker := time.NewTicker(idIndexPoll)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				pass()
			}
		}
	}()
}

func indexFile(ctx context.Context, path string) error {
	// Short: a busy file is simply tried again at the next pass.
	db, err := openSQLite(path, false, 250*time.Millisecond)
	if err != nil {
		return err
	}
	defer db.Close()
	return indexCollections(ctx, db)
}

// indexCollections creates the index on the tables that lack it: one small query on FerretDB's
// metadata table and sqlite_master when there is nothing to do.
func indexCollections(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `
		SELECT c.table_name FROM _ferretdb_collections c
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || ?)
		  AND EXISTS (SELECT 1 FROM sqlite_master t WHERE t.type = 'table' AND t.name = c.table_name)`, idIndexSuffix)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil // a database file FerretDB has not initialised yet
		}
		return err
	}
	var tables []string
	for rows.Next() {
		var table string
		if err = rows.Scan(&table); err != nil {
			_ = rows.Close()
			return err
		}
		tables = append(tables, table)
	}
	if err = rows.Close(); err != nil {
		return err
	}
	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, table+idIndexSuffix, table, idLookupExpr)
		if _, err = db.ExecContext(ctx, q); err != nil {
			return err // e.g. the collection was dropped meanwhile; the next pass sees the new state
		}
	}
	return nil
}

// explain prints SQLite's plan for one query on a database file, one step per line (used by the
// project's tests to check that FerretDB's own _id query is answered from an index).
func explain(path, query string) error {
	db, err := openSQLite(path, true, 10*time.Second)
	if err != nil {
		return err
	}
	defer db.Close()
	// The plan does not depend on the values: bind NULL to every parameter.
	args := make([]any, strings.Count(query, "?"))
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err = rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return err
		}
		fmt.Println(detail)
	}
	return rows.Err()
}
