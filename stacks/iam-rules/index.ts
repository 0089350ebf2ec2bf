export * from "./rules";
export * from "./aspect";
