// Types for the two calls of fs-native-extensions this store uses (the package ships none).
// On Linux tryLock takes an open-file-description (OFD) lock: it conflicts with every
// other descriptor, in this process or another, and the kernel drops it when the holder
// dies.
declare module "fs-native-extensions" {
  /** Exclusive (default) or shared lock on the whole file; false if someone else holds it. */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number): void;
}
