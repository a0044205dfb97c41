/**
 * The repository an image reference names, without registry, tag or digest:
 * `gcr.io/cadvisor/cadvisor:v0.52.1` → `cadvisor/cadvisor`, `nginx@sha256:…` → `nginx`.
 * Docker Hub's implicit `library/` is dropped, so `docker.io/library/nginx` is `nginx` too.
 */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const tagColon = withoutDigest.indexOf(':', lastSlash + 1);
  const name = tagColon < 0 ? withoutDigest : withoutDigest.slice(0, tagColon);
  const firstSlash = name.indexOf('/');
  const first = firstSlash < 0 ? '' : name.slice(0, firstSlash);
  // Docker's own rule: a first component with a dot or a port, or `localhost`, is a registry host.
  const path = first.includes('.') || first.includes(':') || first === 'localhost' ? name.slice(firstSlash + 1) : name;
  return path.startsWith('library/') ? path.slice('library/'.length) : path;
}

/**
 * Whether an image is `repository` from any registry, mirror or pull-through cache: ECR's caches
 * put the upstream path under a prefix (`…amazonaws.com/quay/prometheus/node-exporter`).
 */
export function isImageOf(image: string, repository: string): boolean {
  const found = imageRepository(image);
  return found === repository || found.endsWith(`/${repository}`);
}
