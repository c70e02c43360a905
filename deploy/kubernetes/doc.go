// Package kubernetes holds no code: its tests check the manifests beside them (a sweep
// as a Kubernetes Indexed Job, with its data on a volume or downloaded from object
// storage, its merge, its volumes) by decoding them strictly into
// the Kubernetes API types and running every pod's exact command line locally, and
// build the Dockerfile at the root of the repository where buildah is installed.
package kubernetes
