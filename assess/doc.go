// Package assess reads a Dovecot configuration (the output of `doveconf
// -n`) and an NFS mount-options line, names the settings the NFS guide
// warns about, builds the scenario closest to that setup and measures it,
// alongside the catalog scenarios that test the same claims.
//
// # Usage
//
//	cfg, err := assess.ParseDoveconf("doveconf.txt", data)
//	rep, err := assess.Run(cfg, assess.Options{Mount: "rw,nolock,actimeo=3", Director: false, Seeds: 10})
//
// # Determinism
//
// Parsing is pure; the measurements are scenarios.Measure runs over seeds
// 1..Seeds and replay from the printed commands.
package assess
