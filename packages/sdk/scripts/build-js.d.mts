/** What a consumer installs with the SDK (dependencies and peer dependencies). */
export declare const installedWithSdk: string[];
/** Builds the package's one ES module, dist/index.js by default. */
export declare function buildSdkJavaScript(outfile?: string): Promise<void>;
