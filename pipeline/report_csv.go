package pipeline

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
)

// The report for machines: json (the whole Report, its documented shape)
// and csv (the helpdesk's worklist: the rows that need an admin).

// writeJSON writes r as indented JSON.
func (r *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// adminColumns are the csv report's columns.
var adminColumns = []string{"row", "user", "step", "outcome", "error", "requestId"}

// writeCSV writes every row that needs an admin (failed or partial, not
// retryable), one line per step that failed it (a row that failed before
// any step has one line, its step empty and its status as the outcome),
// with the user, the error and the request-id. Cells are guarded as the
// result file's are (cell): one physical line each, and a cell a
// spreadsheet would run as a formula starts with '.
func (r *Report) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(adminColumns); err != nil {
		return err
	}
	for _, row := range r.AdminRows {
		problems := row.Steps
		if len(problems) == 0 {
			problems = []StepOutcome{{Outcome: string(row.Status)}}
		}
		for _, p := range problems {
			rec := []string{strconv.Itoa(row.Row), cell(row.User), cell(p.Step), cell(p.Outcome), cell(row.Error), cell(row.RequestID)}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
