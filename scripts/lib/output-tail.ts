// Keeps the last few kilobytes of a child process's output, to quote in error messages.

export class OutputTail {
  private text = '';

  constructor(private readonly maxChars = 16_384) {}

  push(chunk: string | Buffer): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.text.length > this.maxChars * 2) this.text = this.text.slice(-this.maxChars);
  }

  /** The last `maxLines` non-empty lines (at most maxChars characters), or a placeholder. */
  tail(maxLines = 30): string {
    const lines = this.text
      .slice(-this.maxChars)
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '');
    return lines.length === 0 ? '(no output)' : lines.slice(-maxLines).join('\n');
  }

  includes(pattern: RegExp): boolean {
    return pattern.test(this.text);
  }
}
