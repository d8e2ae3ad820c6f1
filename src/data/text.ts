// Small pieces of text the whole project writes the same way.

/** A size in megabytes (MiB, as file managers count them), one decimal: "20.0 MB". */
export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** What an error says, whatever was thrown. */
export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
