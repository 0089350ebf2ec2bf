/**
 * Which objects of a stack are nested blocks, from cdktf's own metadata: every generated provider class
 * (the resources, data sources and the provider of `@cdktf/provider-aws`) describes each argument in
 * `toHclTerraform()` as `{ value, isBlock, type, storageClassType }`, from the provider schema it was
 * generated from. cdktf's HCL renderer (cdktf/lib/hcl/render.js) reads the same flag; only its strings
 * are wrong.
 */
import { App, DefaultTokenResolver, StringConcat, TerraformElement, TerraformStack, Tokenization } from "cdktf";
import { pathKey, type BlockPaths, type Json } from "./render";

type Fragment = Record<string, Json | undefined>;

interface Described {
  readonly value: Json;
  readonly isBlock?: boolean;
  readonly is_block?: boolean;
}

const isObject = (value: unknown): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);

/** An argument as the generated classes describe it (providers' keys are snake-cased: `is_block`). */
function described(value: unknown): value is Described {
  return isObject(value) && "value" in value && ("isBlock" in value || "is_block" in value);
}

function walkBody(body: Record<string, Json>, path: string[], into: { blocks: Set<string>; arguments: Set<string> }): void {
  for (const [name, value] of Object.entries(body)) {
    if (!described(value)) continue; // meta-arguments and overrides: the writer's fixed rules cover them
    const here = [...path, name];
    if (value.isBlock === true || value.is_block === true) {
      into.blocks.add(pathKey(here));
      for (const nested of Array.isArray(value.value) ? value.value : [value.value]) {
        if (isObject(nested)) walkBody(nested, here, into);
      }
    } else if (typeof value.value === "object" && value.value !== null) {
      into.arguments.add(pathKey(here));
    }
  }
}

/** The block and object-argument paths of a stack's resolved `toHclTerraform()` fragments. */
export function blockPaths(fragments: readonly Fragment[]): BlockPaths {
  const into = { blocks: new Set<string>(), arguments: new Set<string>() };
  for (const fragment of fragments) {
    for (const kind of ["resource", "data"] as const) {
      const byType = fragment[kind];
      if (!isObject(byType)) continue;
      for (const [type, named] of Object.entries(byType)) {
        if (!isObject(named)) continue;
        for (const [name, body] of Object.entries(named)) if (isObject(body)) walkBody(body, [kind, type, name], into);
      }
    }
    const providers = fragment.provider;
    if (isObject(providers)) {
      for (const [name, configs] of Object.entries(providers)) {
        for (const config of Array.isArray(configs) ? configs : [configs]) if (isObject(config)) walkBody(config, ["provider", name], into);
      }
    }
  }
  return into;
}

/** Each stack's block paths, by stack name, from an app whose stacks are built. */
export function stackBlockPaths(app: App): Map<string, BlockPaths> {
  const resolver = new DefaultTokenResolver(new StringConcat());
  const stacks = app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
  return new Map(
    stacks.map((stack) => {
      const elements = stack.node
        .findAll()
        .filter((c): c is TerraformElement => TerraformElement.isTerraformElement(c) && TerraformStack.of(c) === stack);
      const fragments = elements.map(
        (e) => Tokenization.resolve(e.toHclTerraform(), { scope: stack, resolver, preparing: false }) as Fragment,
      );
      return [stack.node.id, blockPaths(fragments)];
    }),
  );
}

/**
 * Runs `run` (which builds and synthesizes the app) and returns each stack's block paths, read after the
 * app's synth, when every aspect has run. The app is created inside `run` (main.ts), so `App.prototype.synth`
 * is wrapped for the call and restored after it.
 */
export function captureBlockPaths(run: () => void): Map<string, BlockPaths> {
  const original = App.prototype.synth;
  let captured: Map<string, BlockPaths> | undefined;
  App.prototype.synth = function synth(this: App) {
    original.call(this);
    captured = stackBlockPaths(this);
  };
  try {
    run();
  } finally {
    App.prototype.synth = original;
  }
  if (captured === undefined) throw new Error("the app did not call app.synth()");
  return captured;
}
