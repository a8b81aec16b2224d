// comlink publishes its ESM builds without .d.mts files; Node code imports those builds
// (the package's `main` is a UMD bundle), typed with the package's own declarations.
declare module 'comlink/dist/esm/comlink.mjs' {
  export * from 'comlink';
}
declare module 'comlink/dist/esm/node-adapter.mjs' {
  export { default } from 'comlink/dist/esm/node-adapter';
}
