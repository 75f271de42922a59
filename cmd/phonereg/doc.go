// Command phonereg onboards phone authentication methods into Microsoft Entra ID
// through Microsoft Graph, in bulk. See README.md and `phonereg --help`.
//
// This package is the command line and nothing more: the cobra commands (run,
// undo, export, validate, report, sim, version), one options struct per command and the
// checks of its flags, the building of a graphclient.Client from the flags and
// the environment (or of an in-process graphsim server for --sim), logging and
// the progress display, and the mapping of errors to exit codes, chosen in
// exit.go and nowhere else. main is thin: it builds a context cancelled by
// SIGINT/SIGTERM and calls run. Every command gets its streams, environment
// and TLS roots from a deps value, so tests drive the whole command line
// through run or execute with buffers.
//
// What does not live here: reading and normalizing the CSV, planning a row,
// the worker pool, the result file and its format, resuming, validating and
// reporting (package pipeline); Graph requests, credentials, clouds, retries,
// pacing, and what a Graph answer means (package graphclient); the emulator
// (package graphclient/graphsim). A command makes one call into pipeline or
// graphsim.
package main
