package graphclient

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

func TestRetryAfter(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name string
		hdr  []string
		want time.Duration // -1: about an hour
	}{
		{name: "absent"},
		{name: "whole seconds", hdr: []string{"Retry-After", "2"}, want: 2 * time.Second},
		{name: "fractional seconds", hdr: []string{"Retry-After", "2.128"}, want: 2128 * time.Millisecond},
		{name: "spaces", hdr: []string{"Retry-After", " 3 "}, want: 3 * time.Second},
		{name: "zero", hdr: []string{"Retry-After", "0"}},
		{name: "negative", hdr: []string{"Retry-After", "-1"}},
		{name: "NaN", hdr: []string{"Retry-After", "NaN"}},
		{name: "Inf", hdr: []string{"Retry-After", "+Inf"}},
		{name: "over a day", hdr: []string{"Retry-After", "86401"}},
		{name: "a day", hdr: []string{"Retry-After", "86400"}, want: 24 * time.Hour},
		{name: "garbage", hdr: []string{"Retry-After", "soon"}},
		{name: "HTTP date ahead", hdr: []string{"Retry-After", future}, want: -1},
		{name: "HTTP date past", hdr: []string{"Retry-After", past}},
		{name: "retry-after-ms", hdr: []string{"retry-after-ms", "1500"}, want: 1500 * time.Millisecond},
		{name: "x-ms-retry-after-ms", hdr: []string{"x-ms-retry-after-ms", "250"}, want: 250 * time.Millisecond},
		{name: "ms first", hdr: []string{"retry-after-ms", "100", "Retry-After", "5"}, want: 100 * time.Millisecond},
		{name: "bad ms falls through", hdr: []string{"retry-after-ms", "x", "Retry-After", "5"}, want: 5 * time.Second},
		{name: "huge ms ignored", hdr: []string{"retry-after-ms", "99999999999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for i := 0; i+1 < len(tt.hdr); i += 2 {
				h.Set(tt.hdr[i], tt.hdr[i+1])
			}
			got := retryAfter(h)
			if tt.want == -1 {
				if got < 59*time.Minute || got > time.Hour {
					t.Errorf("retryAfter = %v; want about an hour", got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("retryAfter = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestFractionalRetryAfterHeader: the policy adds retry-after-ms for a
// fractional Retry-After only.
func TestFractionalRetryAfterHeader(t *testing.T) {
	tests := []struct {
		name string
		hdr  []string
		want string // retry-after-ms afterwards
	}{
		{name: "fractional", hdr: []string{"Retry-After", "2.128"}, want: "2128"},
		{name: "fraction rounded up", hdr: []string{"Retry-After", "0.0001"}, want: "1"},
		{name: "whole left to azcore", hdr: []string{"Retry-After", "2"}},
		{name: "HTTP date left to azcore", hdr: []string{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}},
		{name: "existing ms kept", hdr: []string{"Retry-After", "2.5", "retry-after-ms", "10"}, want: "10"},
		{name: "x-ms ms wins", hdr: []string{"Retry-After", "2.5", "x-ms-retry-after-ms", "10"}},
		{name: "negative", hdr: []string{"Retry-After", "-0.5"}},
		{name: "NaN", hdr: []string{"Retry-After", "NaN"}},
		{name: "absent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			pl := runtime.NewPipeline("test", "v0", runtime.PipelineOptions{PerRetry: []policy.Policy{fractionalRetryAfter{}}},
				&policy.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}, Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
					resp = fakeResponse(r, http.StatusTooManyRequests, "", tt.hdr...)
					return resp, nil
				})})
			req, _ := runtime.NewRequest(t.Context(), http.MethodGet, "https://graph.example/v1.0/x")
			if _, err := pl.Do(req); err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Get("retry-after-ms"); got != tt.want {
				t.Errorf("retry-after-ms = %q; want %q", got, tt.want)
			}
		})
	}
}

// TestFractionalRetryAfterHonoured: with the policy in place, azcore's retry
// policy waits a fractional Retry-After instead of its own short backoff
// (fake clock).
func TestFractionalRetryAfterHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var sent []time.Time
		var n atomic.Int32
		tr := transportFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			sent = append(sent, time.Now())
			mu.Unlock()
			if n.Add(1) == 1 {
				return fakeResponse(r, http.StatusTooManyRequests, "", "Retry-After", "1.75"), nil
			}
			return fakeResponse(r, http.StatusOK, ""), nil
		})
		pl := runtime.NewPipeline("test", "v0", runtime.PipelineOptions{PerRetry: []policy.Policy{fractionalRetryAfter{}}},
			&policy.ClientOptions{Transport: tr, Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond}})
		req, _ := runtime.NewRequest(t.Context(), http.MethodGet, "https://graph.example/v1.0/x")
		if resp, err := pl.Do(req); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("got %v, %v; want 200 after one retry", resp, err)
		}
		if len(sent) != 2 {
			t.Fatalf("sent %d tries; want 2", len(sent))
		}
		if gap := sent[1].Sub(sent[0]); gap < 1750*time.Millisecond {
			t.Errorf("retry after %v; want at least the Retry-After of 1.75s", gap)
		}
	})
}

// FuzzRetryAfter: retryAfter never returns a negative wait and never panics;
// the policy only ever adds a positive whole number of milliseconds, never
// less than the Retry-After it read.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"2", "2.128", "0.0001", "-1", "NaN", "Inf", "1e3", "0x1p-2", "86400.5",
		"Wed, 21 Oct 2015 07:28:00 GMT", "", " 1 ", "1_0", "9999999999999999999999"} {
		f.Add(s, "")
		f.Add(s, "150")
	}
	f.Fuzz(func(t *testing.T, ra, ms string) {
		h := http.Header{}
		h.Set("Retry-After", ra)
		if ms != "" {
			h.Set("x-ms-retry-after-ms", ms)
		}
		if d := retryAfter(h); d < 0 {
			t.Fatalf("retryAfter(Retry-After %q, x-ms-retry-after-ms %q) = %v; want >= 0", ra, ms, d)
		}
		var resp *http.Response
		pl := runtime.NewPipeline("test", "v0", runtime.PipelineOptions{PerRetry: []policy.Policy{fractionalRetryAfter{}}},
			&policy.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}, Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
				resp = fakeResponse(r, http.StatusTooManyRequests, "")
				resp.Header = h.Clone()
				return resp, nil
			})})
		req, _ := runtime.NewRequest(t.Context(), http.MethodGet, "https://graph.example/v1.0/x")
		if _, err := pl.Do(req); err != nil {
			t.Fatal(err)
		}
		got := resp.Header.Get("retry-after-ms")
		if got == "" {
			return
		}
		n, err := strconv.Atoi(got)
		if err != nil || n <= 0 {
			t.Fatalf("Retry-After %q gave retry-after-ms %q; want a positive whole number", ra, got)
		}
		withoutMS := http.Header{"Retry-After": {ra}}
		if want := retryAfter(withoutMS); time.Duration(n)*time.Millisecond < want {
			t.Fatalf("Retry-After %q gave retry-after-ms %d; want at least %v", ra, n, want)
		}
	})
}
