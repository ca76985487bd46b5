/** The node arguments of npm start; throws when npm start no longer runs node directly. */
export function startArguments(): string[];
