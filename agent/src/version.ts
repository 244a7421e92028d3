// The agent's version, reported by `kube-dpi --version`, in observer.version of documents and in logs.
export const VERSION = '0.1.0';
