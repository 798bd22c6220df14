/**
 * One layer blob's bytes: sniffed for its compression, streamed through gunzip into the tar
 * walker within the size limits, and verified against its digest (the manifest's claim) and its
 * diff_id (the config's claim). Blobs are hashed on another thread when they are large.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../model/errors.js';
import { TarFormatError, type BlobSource, type TarWalker } from './sources/index.js';
import type { LayerPlan, ScanContext } from './layer-plan.js';

/** Below this, starting the hashing thread costs more than it saves. */
const OFFLOAD_HASH_BYTES = 8 << 20;

export interface LayerBlob {
  size: number;
  gzip: boolean;
}

/** The blob's size and compression; unsupported, missing and oversized blobs are refused before reading. */
export async function openLayerBlob(source: BlobSource, plan: LayerPlan, ctx: ScanContext): Promise<LayerBlob> {
  const { limits } = ctx;
  if (/zstd/.test(plan.mediaType)) {
    throw new InputError(`layer ${plan.digest}: zstd layers not supported (${plan.mediaType})`, ctx.display);
  }
  const size = await source.size(plan.member);
  if (size === undefined) throw new InputError(`layer ${plan.digest}: blob ${plan.member} is missing`, ctx.display);
  // A blob larger than what one layer may unpack to is refused before a byte of it is read.
  if (size > limits.maxLayerBytes) {
    throw new InputError(
      `layer ${plan.digest}: blob ${plan.member} is ${size} bytes, over the per-layer limit of ${limits.maxLayerBytes}`,
      ctx.display,
    );
  }
  const magic = await source.head(plan.member, 4);
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  if (magic[0] === 0x28 && magic[1] === 0xb5 && magic[2] === 0x2f && magic[3] === 0xfd) {
    throw new InputError(`layer ${plan.digest}: zstd layers not supported`, ctx.display);
  }
  return { size, gzip };
}

/** A stream failure as the user should see it: malformed tar or gzip is bad input, naming the layer. */
function streamError(err: unknown, plan: LayerPlan, display: string): unknown {
  if (err instanceof InputError) return err;
  if (err instanceof TarFormatError) {
    return new InputError(`layer ${plan.digest}: ${err.message}`, display, undefined, undefined, { cause: err });
  }
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('Z_') || code === 'ERR_ZLIB') {
    return new InputError(`layer ${plan.digest}: gzip data is corrupt: ${(err as Error).message}`, display, undefined, undefined, {
      cause: err,
    });
  }
  return err;
}

/** Refuses the layer when its blob or its tar does not hash to what the manifest and config say. */
function verify(plan: LayerPlan, display: string, blobDigest: string, tarDigest: string | undefined): void {
  if (plan.expectDigest && blobDigest !== plan.expectDigest) {
    throw new InputError(`layer ${plan.digest}: blob sha256 is ${blobDigest}, not the digest ${plan.expectDigest}`, display);
  }
  if (plan.expectDiffId && tarDigest !== undefined && tarDigest !== plan.expectDiffId) {
    const at = plan.diffIdAt;
    const where = at ? `${at.member} /rootfs/diff_ids/${at.index}` : 'the config';
    throw new InputError(
      `layer ${plan.digest}: uncompressed sha256 is ${tarDigest}, not the diff_id ${plan.expectDiffId} of ${where}: the layer or the config was altered`,
      at?.member ?? display,
    );
  }
}

/**
 * Stream the blob's tar into `walker` (finishing it), within the per-layer and per-image byte
 * limits, then verify the blob. Returns the uncompressed bytes read.
 */
export async function streamLayer(
  source: BlobSource,
  plan: LayerPlan,
  ctx: ScanContext,
  blob: LayerBlob,
  walker: TarWalker,
): Promise<number> {
  const { limits } = ctx;
  let bytes = 0;
  const range = ctx.hasher && blob.size >= OFFLOAD_HASH_BYTES ? await source.locate(plan.member) : undefined;
  const offloaded = range && ctx.hasher ? ctx.hasher.hash(range) : undefined;
  // Settled later; until then a rejection must not count as unhandled.
  offloaded?.catch(() => undefined);
  const rawHash = offloaded ? undefined : createHash('sha256');
  // The diff_id of a compressed layer is checked too: the blob digest proves the manifest's
  // layer, the diff_id proves the config's (the image ID's) claim about what it unpacks to.
  const tarHash = blob.gzip && plan.expectDiffId ? createHash('sha256') : undefined;
  const overLimit = (limit: number, what: string): InputError =>
    new InputError(
      `layer ${plan.digest}: uncompressed size exceeds the ${what}limit of ${limit} bytes (at entry ${walker.currentName ?? 'header'})`,
      walker.currentName ?? ctx.display,
    );
  const push = (chunk: Buffer): void => {
    bytes += chunk.length;
    ctx.totals.bytes += chunk.length;
    if (bytes > limits.maxLayerBytes) throw overLimit(limits.maxLayerBytes, 'per-layer ');
    if (ctx.totals.bytes > limits.maxTotalBytes) throw overLimit(limits.maxTotalBytes, '');
    tarHash?.update(chunk);
    walker.push(chunk);
  };

  // pipeline() may report its own AbortError when the walk throws; the walk's error is the news.
  let walkError: unknown;
  const sinkAll = async (input: AsyncIterable<Buffer>): Promise<void> => {
    try {
      for await (const chunk of input) push(chunk);
    } catch (err) {
      walkError = err;
      throw err;
    }
  };

  try {
    const raw = source.stream(plan.member);
    // A second 'data' listener sees the same chunks the pipeline does: no extra stage per chunk.
    raw.on('data', (chunk: Buffer) => {
      rawHash?.update(chunk);
      ctx.progress(chunk.length);
    });
    if (blob.gzip) {
      // A deep read buffer lets inflate (on the thread pool) run ahead of the walk on this thread.
      // (Transform options pass through zlib's constructor; its typings omit them.)
      const gunzip = createGunzip(Object.assign({ chunkSize: 1 << 20 }, { highWaterMark: 8 << 20 }));
      await pipeline(raw, gunzip, sinkAll);
    } else await pipeline(raw, sinkAll);
    walker.finish();
  } catch (caught) {
    throw streamError(walkError ?? caught, plan, ctx.display);
  }

  const blobDigest = rawHash ? `sha256:${rawHash.digest('hex')}` : await (offloaded as Promise<string>);
  const tarDigest = blob.gzip ? (tarHash ? `sha256:${tarHash.digest('hex')}` : undefined) : blobDigest;
  verify(plan, ctx.display, blobDigest, tarDigest);
  return bytes;
}
