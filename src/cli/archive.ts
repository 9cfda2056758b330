import type { Command } from "commander";
export function registerArchiveCommands(_p: Command): void {}
