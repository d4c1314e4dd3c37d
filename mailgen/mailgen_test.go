package mailgen

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var spec = Spec{Users: 4, Deliveries: 10, Sessions: 3, Commands: 5, Duration: time.Minute, Idle: 5 * time.Second, ClientIPs: 2}

func TestSameSeedSameWorkload(t *testing.T) {
	for range 10 {
		if !reflect.DeepEqual(Generate(9, spec), Generate(9, spec)) {
			t.Fatal("seed 9 generated two different workloads")
		}
	}
	if reflect.DeepEqual(Generate(9, spec), Generate(10, spec)) {
		t.Fatal("seeds 9 and 10 generated the same workload")
	}
}

func TestWorkloadShape(t *testing.T) {
	ops := Generate(1, spec)
	if len(ops) != spec.Users*(spec.Deliveries+spec.Sessions) {
		t.Fatalf("%d ops", len(ops))
	}
	ids := map[string]bool{}
	for i, op := range ops {
		if i > 0 && op.At < ops[i-1].At {
			t.Fatal("ops not ordered by start time")
		}
		if op.At < 0 || op.At >= spec.Duration {
			t.Fatalf("op at %v outside [0,%v)", op.At, spec.Duration)
		}
		switch op.Kind {
		case Deliver:
			if ids[op.MessageID] {
				t.Fatalf("Message-ID %s generated twice", op.MessageID)
			}
			ids[op.MessageID] = true
			m := Message(op)
			if m.ID != op.MessageID || !strings.Contains(string(m.Body), "Message-ID: "+op.MessageID+"\n") || len(m.Body) < op.Size {
				t.Fatalf("message for %s is malformed", op.MessageID)
			}
		case Session:
			if len(op.Commands) == 0 || op.Commands[0].Kind != Select {
				t.Fatalf("session does not start with SELECT: %v", op.Commands)
			}
		}
	}
}

func TestOpsFileRoundTrips(t *testing.T) {
	folders, keywords := spec, spec
	folders.Folders = 3
	keywords.Keywords = 12 // $Label10 sorts before $Label2
	keywords.Moves = true
	for seed := range uint64(12) {
		sp := spec
		switch seed % 3 {
		case 1:
			sp = folders
		case 2:
			sp = keywords
		}
		ops := Generate(seed, sp)
		back, err := Parse("ops.txt", Format(ops))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, ops) {
			t.Fatalf("seed %d: ops did not round-trip", seed)
		}
	}
}

func TestOpsFileErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"1s deliver u 1.2.3.4 <m>\n", "ops.txt:1: deliver wants"},
		{"x deliver u 1.2.3.4 <m> 10\n", `ops.txt:1: time "x"`},
		{"1s session u ip select; store 2 S\n", `pick "2"`},
		{"1s session u ip select; store 0.5 Q\n", "flag letter"},
		{"1s session u ip select; store 0.5 S $a,\\Seen\n", `keyword "\\Seen"`},
		{"1s session u ip select; store 0.5 S a,,b\n", `keyword ""`},
		{"1s frob u ip\n", "unknown operation"},
		{"1s session u ip create INBOX\n", `folder name "INBOX"`},
		{"1s session u ip create a/b\n", `folder name "a/b"`},
		{"1s session u ip delete\n", "bad command"},
		{"1s session u ip rename A\n", "bad command"},
		{"1s session u ip rename A INBOX\n", `folder name "INBOX"`},
		{"2s deliver u ip <a> 1\n1s deliver u ip <b> 1\n", "ops.txt:2: operations must be in time order"},
	} {
		if _, err := Parse("ops.txt", []byte(tc.src)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

// Folders adds folder commands without changing what a seed generates
// when it is 0.
func TestFoldersAreOptIn(t *testing.T) {
	with := spec
	with.Folders = 2
	plain, folders := Generate(7, spec), Generate(7, with)
	kinds := map[CommandKind]int{}
	for _, op := range folders {
		for _, c := range op.Commands {
			kinds[c.Kind]++
			if (c.Kind == Create || c.Kind == Delete || c.Kind == Rename) && c.Folder != "Folder1" && c.Folder != "Folder2" {
				t.Fatalf("folder %q outside Folder1..2", c.Folder)
			}
			if c.Kind == Rename && (c.To == c.Folder || (c.To != "Folder1" && c.To != "Folder2")) {
				t.Fatalf("rename %s to %q", c.Folder, c.To)
			}
		}
		if op.Kind == Session && op.Commands[0].Kind != List {
			t.Fatalf("a folder session starts with %s, want list", op.Commands[0].Kind)
		}
	}
	if kinds[Create] == 0 || kinds[Delete] == 0 || kinds[List] == 0 || kinds[Rename] == 0 {
		t.Fatalf("folder commands %v", kinds)
	}
	for _, op := range plain {
		for _, c := range op.Commands {
			if c.Kind == Create || c.Kind == Delete || c.Kind == List || c.Kind == Rename {
				t.Fatalf("Folders=0 generated %s", c.Kind)
			}
		}
	}
}

// Moves turns some expunges into moves; without it none is drawn.
func TestMovesAreOptIn(t *testing.T) {
	with := spec
	with.Moves = true
	count := func(s Spec) (moves int) {
		for _, op := range Generate(5, s) {
			for _, c := range op.Commands {
				if c.Kind == Move {
					moves++
				}
			}
		}
		return moves
	}
	if n := count(with); n == 0 {
		t.Fatal("Moves drew no move")
	}
	if n := count(spec); n != 0 {
		t.Fatalf("Moves=false drew %d moves", n)
	}
}

// Keywords makes STOREs set keywords of $Label1..N, sorted.
func TestKeywordsAreDrawn(t *testing.T) {
	with := spec
	with.Keywords = 3
	seen := map[string]bool{}
	for _, op := range Generate(3, with) {
		for _, c := range op.Commands {
			if c.Kind != Store {
				continue
			}
			if !slices.IsSorted(c.Keywords) {
				t.Fatalf("keywords %q not sorted", c.Keywords)
			}
			for _, k := range c.Keywords {
				seen[k] = true
			}
		}
	}
	if len(seen) != 3 || !seen["$Label1"] || !seen["$Label3"] {
		t.Fatalf("keywords drawn: %v", seen)
	}
	for _, op := range Generate(3, spec) {
		for _, c := range op.Commands {
			if len(c.Keywords) > 0 {
				t.Fatalf("Keywords=0 drew %q", c.Keywords)
			}
		}
	}
}

func TestZipfConcentratesMail(t *testing.T) {
	z := spec
	z.Users, z.Zipf = 10, 1.5
	per := map[string]int{}
	for _, op := range Generate(3, z) {
		if op.Kind == Deliver {
			per[op.User]++
		}
	}
	if per["user01"] <= per["user10"]*3 || per["user01"]+per["user10"] == 0 {
		t.Fatalf("Zipf 1.5 gave user01 %d deliveries and user10 %d", per["user01"], per["user10"])
	}
	total := 0
	for _, n := range per {
		total += n
	}
	if total != z.Users*z.Deliveries {
		t.Fatalf("%d deliveries, want %d", total, z.Users*z.Deliveries)
	}
}

// The example in Format's documentation parses and formats back.
func TestOpsFileExample(t *testing.T) {
	src := "# nfsmail ops v1\n" +
		"1.25s deliver user01 192.0.2.25 <user01.1.5f@mailgen.invalid> 3272\n" +
		"2s session user01 198.51.100.11 select; idle 3.5s; store 0.25 SA $Label1; expunge 0.5; move 0; select\n" +
		"3s session user01 198.51.100.12 list; select; create Folder2; rename Folder2 Folder3; delete Folder1; list\n"
	ops, err := Parse("example", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(Format(ops)); got != src {
		t.Fatalf("formats back as\n%s", got)
	}
}

func TestSpan(t *testing.T) {
	ops := []Op{{At: 3, User: "user02"}, {At: 9, User: "user01"}, {At: 5, User: "user02"}}
	users, end := Span(ops)
	if !slices.Equal(users, []string{"user01", "user02"}) || end != 9 {
		t.Errorf("Span = %v, %v", users, end)
	}
	if users, end := Span(nil); users != nil || end != 0 {
		t.Errorf("Span(nil) = %v, %v", users, end)
	}
}
