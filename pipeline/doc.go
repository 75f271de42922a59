// Package pipeline is the job phonereg does: it reads the input CSV
// (ReadRows: streamed, normalized, one row at a time), runs each row against
// Microsoft Graph (mobile first, then alternateMobile and office, then SMS
// sign-in: process.go), and records every row in the result file (SPEC §3–4).
//
// Run is four stages joined by channels (run.go): a reader, a scheduler that
// keeps rows of one user in order (queue.go), a pool of workers sized to the
// pace Graph allows (concurrency.go), and one writer that owns the result
// file. The result file's format is known in one place (resultfile.go: its
// columns, encoder, decoder, resume's fast scan and ResultReader); the journal
// (journal.go) makes each line durable before its row counts as done, resumes
// from what an earlier run left, and compacts the file at the end. Undo runs
// the same stages with another row worker (undo.go, undo_row.go): it reverts
// what a run's result file records, where Graph still holds what the run
// wrote. Export (export.go) goes through them with a worker that only reads
// each user's phone methods, into a snapshot that run reads back as input:
// the journal keeps it through its own line format (snapshot.go; codec.go
// says what a format gives the journal). Validate and ReadReport are the
// offline commands' halves. A row that names a user that cannot exist
// (users.go) or an extension too long to dial (validate_checks.go, with
// validate's checks across rows) is invalid before any request.
//
// What lives elsewhere: HTTP, credentials, throttling and what Graph's answers
// mean are package graphclient's (pipeline asks it through the Graph
// interface and its predicates, never unpacking its error fields); parsing
// phone numbers is package pipeline/internal/phone's; flags, exit codes and the
// terminal are cmd/phonereg's.
package pipeline
