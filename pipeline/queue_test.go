package pipeline

import "testing"

// TestUserQueue: rows of one user run one at a time, in input order; other
// users' rows are not held up; drop forgets what was not handed out.
func TestUserQueue(t *testing.T) {
	q := newUserQueue(3)
	add := func(num int, user string) { q.add(task{row: Row{Num: num}, user: user}) }
	take := func(want int) {
		t.Helper()
		got, ok := q.next()
		if want == 0 {
			if ok {
				t.Fatalf("next: got row %d; want none ready", got.row.Num)
			}
			return
		}
		if !ok || got.row.Num != want {
			t.Fatalf("next: got row %d (%v); want row %d", got.row.Num, ok, want)
		}
		q.pop()
	}
	add(1, "a")
	add(2, "a")
	add(3, "b")
	if !q.full() {
		t.Error("full: got false with 3 rows; want true")
	}
	take(1)
	take(3) // b is free while a's first row runs
	take(0) // a's second row waits for its first
	q.finish("a")
	take(2)
	q.finish("b")
	q.finish("a")
	if !q.idle() {
		t.Error("idle: got false after every row finished; want true")
	}

	add(4, "c")
	take(4)
	add(5, "c")
	add(6, "d")
	q.drop()
	take(0)
	if q.idle() {
		t.Error("idle: got true with c's row running; want false")
	}
	q.finish("c")
	if !q.idle() {
		t.Error("idle: got false after the running row finished; want true")
	}
}
