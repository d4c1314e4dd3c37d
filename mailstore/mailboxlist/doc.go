// Package mailboxlist is a user's mailbox list as Dovecot 2.3 keeps it: the
// folders on disk (Maildir++ ".name" directories, dbox
// "mailboxes/<name>/dbox-Mails"), the mailbox list index
// (dovecot.list.index and its .log) that LIST is answered from, and the
// mailbox list lock (mailboxes.lock) that CREATE and DELETE hold.
//
// # What it follows
//
//   - LIST reads the list index (mailbox_list_index_refresh): when its
//     header's refresh flag is set, when it lists no mailbox at all (it is
//     new, or was lost with a tmpfs), or when this process has not synced
//     it yet (its in-memory tree is empty; mailbox_list_index_very_dirty_syncs
//     skips that), the folders are scanned from disk and the index
//     rewritten; otherwise the index is trusted as it is. Nothing else is
//     compared with the disk, so within a session a list index that missed
//     another host's CREATE or DELETE keeps answering with the old folders,
//     and with very dirty syncs so does every later session.
//   - CREATE, DELETE and RENAME take mailboxes.lock, change the disk, and
//     set the refresh flag (mailbox_list_index_refresh_later); a CREATE
//     that finds the folder existing, or a DELETE or RENAME that finds it
//     gone (or a RENAME whose target exists), sets the flag only if the
//     index disagrees with what it found. RENAME renames the folder's
//     directory and, with INDEX=, its index directory. A dbox CREATE
//     makes the folder's own index; DELETE opens the folder's index
//     before it takes the lock and syncs it under the lock, so it meets
//     what another session did in between ("Mailbox was deleted under
//     us", "indexid changed").
//   - After a sync or a save, the engines put the mailbox's UIDVALIDITY
//     and GUID into its list index record when they changed (Status,
//     index_list_update_mailbox), refreshing the list index first: every
//     process of a user reads it, and the first writes it.
//   - LISTINDEX= places the list index (a path with "/" puts it in its own
//     directory, e.g. on tmpfs); ITERINDEX makes the scan walk the INDEX=
//     directory instead of the mail directory; VOLATILEDIR= moves
//     mailboxes.lock off NFS. mailboxes.lock is taken with
//     file_create_locked (lock_method fcntl/flock: open or create-and-link,
//     lock, verify the inode, unlink before unlocking) or as a dotlock.
//   - HostChange is what an operator's hook does when the director moved a
//     user (the "way to delete the list indexes" the guide asks for): a
//     .lasthost marker in the index root names the host that served the
//     user last, and a host that finds another name there deletes its own
//     copy of the list index before using it.
//
// # Not modelled
//
// The list index's per-mailbox message counts (STATUS from the "msgs"
// records, validated by the mailbox index log's size and mtime; Dovecot
// keeps none for INBOX, and the workload never asks a folder's STATUS),
// subscriptions, LAYOUT=index, and the refresh a failed SELECT of a
// listed folder triggers: the workload selects only INBOX.
package mailboxlist
