package pipeline

import (
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// The report as one self-contained HTML file, for an admin to attach to a
// change ticket: no external asset of any kind (styles inline, the chart an
// inline SVG, no script), every cell escaped by html/template, and a
// Content-Security-Policy that forbids scripts and any load from elsewhere
// should a viewer ever meet markup the escaping missed.

// chartBar is one bar of the chart: a step's outcome and its rows.
type chartBar struct {
	Step, Outcome string
	Rows          int
	// Class colours it: ok (done), plan (would be done), other (left as
	// it was), bad (needs someone).
	Class string
	// Y is the bar's top, Width its length, CountX where its count goes,
	// in the SVG's units.
	Y, Width, CountX int
}

// chartStep is one step's label in the chart, at Y; None when it has no
// outcome at all.
type chartStep struct {
	Name string
	Y    int
	None bool
}

// chart is the SVG bar chart of outcomes per step; bars start at BarX.
type chart struct {
	Steps               []chartStep
	Bars                []chartBar
	Width, Height, BarX int
}

// Chart geometry, in SVG units.
const (
	chartLabel = 190 // the outcome labels' column
	chartBarW  = 420 // the longest bar
	chartRow   = 22
	chartWidth = chartLabel + chartBarW + 70 // room for the count
)

// outcomeClass is the chart's colour class of an outcome.
func outcomeClass(o string) string {
	switch {
	case problemOutcomes[o]:
		return "bad"
	case okOutcomes[o]:
		return "ok"
	case strings.HasPrefix(o, "would-"):
		return "plan"
	}
	return "other"
}

// newChart lays out the chart: under each step's label, one bar per
// outcome, sorted by name, as long as its share of the largest count.
func newChart(o Outcomes) chart {
	most := 1
	for _, m := range o {
		for _, n := range m {
			most = max(most, n)
		}
	}
	c := chart{Width: chartWidth, BarX: chartLabel}
	y := 0
	for _, step := range steps {
		m := o[step]
		c.Steps = append(c.Steps, chartStep{Name: step, Y: y, None: len(m) == 0})
		y += chartRow
		for _, out := range slices.Sorted(maps.Keys(m)) {
			w := max(2, m[out]*chartBarW/most)
			c.Bars = append(c.Bars, chartBar{Step: step, Outcome: out, Rows: m[out], Class: outcomeClass(out), Y: y, Width: w, CountX: chartLabel + w + 6})
			y += chartRow
		}
		y += chartRow / 2
	}
	c.Height = y
	return c
}

// htmlReport is what the HTML template renders.
type htmlReport struct {
	*Report
	Describe     string
	Statuses     []htmlCount
	Chart        chart
	Placeholders string
	ErrorsShown  string
	MoreRetry    int
	MoreAdmin    int
	Finished     string
}

// htmlCount is a status and its rows.
type htmlCount struct {
	Name string
	Rows int
}

// writeHTML writes the report as one self-contained HTML page.
func (r *Report) writeHTML(w io.Writer) error {
	v := htmlReport{Report: r, Describe: r.describeKind(), Chart: newChart(r.Outcomes), Placeholders: r.placeholders(),
		ErrorsShown: countOf(len(r.TopErrors), r.ErrorKinds, "kind"),
		MoreRetry:   r.Retryable - len(r.RetryRows), MoreAdmin: r.NeedAdmin - len(r.AdminRows)}
	for _, st := range reportStatuses(r.ByStatus) {
		v.Statuses = append(v.Statuses, htmlCount{string(st), r.ByStatus[st]})
	}
	if !r.FirstFinishedAt.IsZero() {
		v.Finished = r.FirstFinishedAt.Format(time.RFC3339) + " to " + r.LastFinishedAt.Format(time.RFC3339)
	}
	return htmlTemplate.Execute(w, v)
}

// htmlTemplate is the page. It names no URL: every asset is inline.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"steps": stepsText,
	"add":   func(a, b int) int { return a + b },
	"rows":  func(n int) string { return quantity(n, "row", "rows") },
	"torn":  func(n int) string { return quantity(n, "torn line", "torn lines") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>phonereg report: {{.File}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1b1b1b; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #c8c8c8; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, Consolas, monospace; } pre { background: #f5f5f5; padding: .6em; overflow-x: auto; }
svg text { font: 13px system-ui, sans-serif; fill: #1b1b1b; } svg text.step { font-weight: 600; }
rect.ok { fill: #2e7d32; } rect.plan { fill: #1565c0; } rect.other { fill: #9e9e9e; } rect.bad { fill: #c62828; }
</style>
</head>
<body>
<h1>phonereg report: {{.File}}</h1>
<p>{{.Describe}}; {{rows .Rows}}{{with .Finished}}, finished {{.}}{{end}}; {{.Retryable}} to retry, {{.NeedAdmin}} that need an admin{{if .Torn}}; {{torn .Torn}} ignored{{end}}.</p>

<h2>Rows by status</h2>
<table class="status">
<thead><tr><th>status</th><th>rows</th></tr></thead>
<tbody>{{range .Statuses}}
<tr><td>{{.Name}}</td><td class="n">{{.Rows}}</td></tr>{{end}}
</tbody>
</table>

<h2>Outcomes per step</h2>
<svg class="chart" role="img" aria-label="outcomes per step" width="{{.Chart.Width}}" height="{{.Chart.Height}}" viewBox="0 0 {{.Chart.Width}} {{.Chart.Height}}">
{{- range .Chart.Steps}}
<text class="step" x="0" y="{{add .Y 16}}">{{.Name}}{{if .None}}: no outcome{{end}}</text>
{{- end}}
{{- range .Chart.Bars}}
<g class="bar" data-step="{{.Step}}" data-outcome="{{.Outcome}}">
<text x="12" y="{{add .Y 16}}">{{.Outcome}}</text>
<rect class="{{.Class}}" x="{{$.Chart.BarX}}" y="{{add .Y 4}}" width="{{.Width}}" height="16"><title>{{.Step}} {{.Outcome}}: {{.Rows}}</title></rect>
<text class="count" x="{{.CountX}}" y="{{add .Y 16}}">{{.Rows}}</text>
</g>
{{- end}}
</svg>
{{if .TopErrors}}
<h2>Top errors</h2>
<p>{{.ErrorsShown}}.</p>
<table class="errors">
<thead><tr><th>rows</th><th>Graph code</th><th>error</th><th>first row</th><th>user</th><th>request-id</th></tr></thead>
<tbody>{{range .TopErrors}}
<tr><td class="n">{{.Rows}}</td><td><code>{{.Answer}}</code></td><td>{{.Error}}</td><td class="n">{{.FirstRow}}</td><td>{{.FirstUser}}</td><td><code>{{.RequestID}}</code></td></tr>{{end}}
</tbody>
</table>
{{end}}
{{- if .RetryRows}}
<h2>Rows to retry</h2>
<p>{{.Retryable}} rows a rerun with the same --out retries ({{.Placeholders}}):</p>
<pre>{{.RetryCommand}}</pre>
{{template "rows" .RetryRows}}{{if .MoreRetry}}<p>… and {{.MoreRetry}} more (--top 0 lists all).</p>{{end}}
{{end}}
{{- if .AdminRows}}
<h2>Rows that need an admin</h2>
<p>{{.NeedAdmin}} rows failed or partial that a rerun does not retry; after the fix:</p>
<pre>{{.RetryFailedCommand}}</pre>
{{template "rows" .AdminRows}}{{if .MoreAdmin}}<p>… and {{.MoreAdmin}} more (--top 0 lists all).</p>{{end}}
{{end}}
</body>
</html>
{{define "rows"}}<table class="rows">
<thead><tr><th>row</th><th>user</th><th>status</th><th>steps</th><th>error</th><th>request-id</th></tr></thead>
<tbody>{{range .}}
<tr><td class="n">{{.Row}}</td><td>{{.User}}</td><td>{{.Status}}</td><td>{{steps .Steps}}</td><td>{{.Error}}</td><td><code>{{.RequestID}}</code></td></tr>{{end}}
</tbody>
</table>
{{end}}`))
