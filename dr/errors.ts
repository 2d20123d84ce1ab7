// A problem the operator can fix: printed as it is, without a stack trace.

export class DrError extends Error {
    /** `flag` names the option, `value` what was given, `fix` what to do instead. */
    static bad(flag: string, value: unknown, problem: string, fix: string): DrError {
        return new DrError(`${flag}: ${JSON.stringify(value)} ${problem}. Fix: ${fix}`);
    }
}
