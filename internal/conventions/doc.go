// Package conventions holds no code: its tests enforce the project's house
// rules (../../shared/STYLE.md, DESIGN.md §2–3) over the whole module:
// every package has a doc comment, imports flow only along the allowed
// edges, and simulation packages use no wall clock, global randomness or
// free-running goroutines.
package conventions
