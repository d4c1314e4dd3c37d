// Package nfsclient models one host's Linux NFSv3 client: it turns vfs calls
// into real NFSv3 RPCs sent to the simulated server over a connection, and
// keeps the caches a Linux client keeps, so each simulated Dovecot backend is
// fooled exactly as a real one would be.
//
// # What is modelled
//
//   - Attribute cache per file handle with acregmin/acregmax/acdirmin/
//     acdirmax, the adaptive window (doubling while nothing changes, back to
//     the minimum on change), actimeo and noac. Change is detected from
//     ctime and size; a changed fileid makes the handle stale.
//   - Weak cache consistency: a reply whose pre-operation attributes match
//     the cache was our own change and invalidates nothing; one without them
//     (go-nfs omits them for CREATE, MKDIR and LINK) counts as a change by
//     someone else.
//   - Lookup cache with positive and negative entries, trusted while the
//     parent directory's attributes are fresh and unchanged; lookupcache=.
//     A create or rename target trusts a cached negative entry without
//     revalidation, as Linux does; the CREATE then meets the server's truth
//     (EEXIST for O_EXCL, the existing file for a plain O_CREAT).
//   - Close-to-open: GETATTR on open (unless nocto), write-back of dirty
//     data on close and fsync; O_APPEND writes at the cached size. Reads
//     and O_APPEND writes revalidate expired attributes first (GETATTR:
//     ESTALE for a file another host replaced).
//   - Data cache kept while attributes look unchanged; a host that has dirty
//     data assumes size changes are its own.
//   - READDIRPLUS priming attribute and lookup caches, or READDIR with
//     nordirplus.
//   - Write-back: UNSTABLE WRITEs kept until a COMMIT returns the same write
//     verifier; a changed verifier (server restart) resends them.
//   - Retransmission: a lost reply is waited for timeo and the same request
//     (same XID) sent again; hard mounts retry forever, soft ones return EIO
//     after retrans retries. A re-executed non-idempotent request answers
//     what the server answers the second time (ENOENT after a REMOVE that
//     happened), as on Linux without a duplicate request cache.
//   - Locks: with nolock they are local to the host; otherwise the server's
//     NLM service arbitrates (blocking requests poll, grace-period denials
//     wait 5 s; Reclaim re-sends held locks after a server restart, and a
//     crash tells the server to free the host's locks). Locking is a cache
//     coherence point (flush before, drop caches after) either way.
//
// Not modelled: byte-range locks (every lock is whole-file, which is what
// Dovecot takes), the GRANTED callback, delegations (NFSv4 only), page-sized
// write rounding.
//
// # Usage
//
// Dial mounts the export over a connection (from nfsserver.Server.Dial in
// simulations) and returns a *Mount, which implements vfs.FS, vfs.LinkFS and
// vfs.ChtimesFS. A Mount is used by one simulated process at a time; it is
// not safe for concurrent use.
//
// # Determinism
//
// Time comes from the Clock the caller supplies (the virtual clock), and
// each RPC charges Options.RTT to it. Nothing here reads the wall clock or
// global randomness.
package nfsclient
