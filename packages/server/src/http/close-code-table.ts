import { CLOSE, CLOSE_REASONS, ERROR_CODES, type ErrorCode } from '@tessera/protocol';

export interface CloseCodeEntry {
  code: number;
  name: keyof typeof CLOSE;
  /** The error codes and close reasons a socket is closed with this code for. */
  reasons: string[];
}

/** Every close code of the contract with what closes a socket with it, from the protocol's tables. */
export function closeCodesTable(): CloseCodeEntry[] {
  return (Object.entries(CLOSE) as Array<[keyof typeof CLOSE, number]>).map(([name, code]) => ({
    code,
    name,
    reasons: [
      ...Object.entries(CLOSE_REASONS)
        .filter(([, closeCode]) => closeCode === code)
        .map(([reason]) => reason),
      ...(Object.keys(ERROR_CODES) as ErrorCode[]).filter((error) => ERROR_CODES[error].ws === code),
    ],
  }));
}

/** The close codes as a Markdown table, for the channel's description. */
export function describeCloseCodes(): string {
  const rows = closeCodesTable().map(({ code, name, reasons }) => `| ${code} | ${name} | ${reasons.join(', ') || '-'} |`);
  return [
    'Close codes (a refused handshake closes with 1008 for an error the open socket would answer with an `error` frame):',
    '',
    '| Code | Name | Reasons |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}
