// Package nfs3 holds the NFSv3 (RFC 1813), MOUNT v3 and ONC RPC (RFC 5531)
// wire pieces that both the server front (nfsserver) and the client model
// (harness/nfsclient) speak: a small allocation-light XDR encoder and
// decoder, record marking, procedure numbers, status codes and the
// attribute structures.
//
// It is hand-written rather than reflection-based (as go-nfs-client's xdr
// package is) because every simulated file operation goes through it several
// times; see the benchmarks in harness/nfsclient.
package nfs3
