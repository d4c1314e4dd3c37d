package mdbox

import (
	"fmt"
	"strconv"
	"strings"
)

// fileName returns "m.<id>".
func fileName(id uint32) string { return fmt.Sprintf("m.%d", id) }

// parseFileName returns the id of an "m.<id>" name.
func parseFileName(name string) (uint32, bool) {
	s, ok := strings.CutPrefix(name, "m.")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil && n > 0
}
