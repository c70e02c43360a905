//go:build !unix

package eventcache

import "os"

// lockWriting does nothing where advisory locks are not available.
func lockWriting(*os.File) error { return nil }

// abandoned cannot tell a dead writer's file from a live one's here: it keeps them.
func abandoned(string) bool { return false }
