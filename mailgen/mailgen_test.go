package mailgen

import (
	"reflect"
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
