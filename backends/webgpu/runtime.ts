// The GPU side of the WebGPU backend: it owns the GPUDevice and executes plain-data
// commands (create/write/dispatch/read buffers) in order. The frontend never touches GPU
// objects, so the same commands run in this thread (browsers) or in a worker thread (Node),
// where the frontend can block on a SharedArrayBuffer for `dataSync()`.
//
// `gpuRuntime` is shipped to the worker as source text (`gpuRuntime.toString()`), so it
// must stay self-contained: no imports, no references to anything outside its body.

/** One step for the GPU side; ids are chosen by the frontend. */
export type GpuCommand =
  | { t: "create"; id: number; size: number }
  | { t: "destroy"; id: number }
  | { t: "write"; id: number; data: ArrayBuffer }
  | { t: "compile"; pid: number; code: string; nin: number; nout: number }
  | { t: "dispatch"; pid: number; bufs: number[]; wg: [number, number, number] }
  | { t: "copy"; src: number; dst: number; size: number; srcOffset?: number; dstOffset?: number }
  | { t: "read"; rid: number; id: number; size: number; sab?: SharedArrayBuffer };

/** Messages back to the frontend. */
export type GpuReply =
  | { t: "data"; rid: number; data?: ArrayBuffer; error?: string }
  | { t: "error"; message: string };

/** Sync reads: the frontend waits on Int32 slot 0 of the SharedArrayBuffer (1 = data, 2 = error). */
export const SYNC_HEADER = 8;

export function gpuRuntime(device: GPUDevice, post: (m: GpuReply, transfer?: ArrayBuffer[]) => void): (batch: GpuCommand[]) => void {
  const HEADER = 8; // = SYNC_HEADER (this function cannot reference module scope)
  const usage = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */
  const buffers = new Map<number, GPUBuffer>();
  const pipelines = new Map<number, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  const errors: string[] = [];
  let encoder: GPUCommandEncoder | null = null;
  let pass: GPUComputePassEncoder | null = null;
  device.addEventListener("uncapturederror", (ev: Event) => {
    const msg = String((ev as GPUUncapturedErrorEvent).error?.message ?? ev);
    errors.push(msg);
    post({ t: "error", message: msg });
  });
  const endPass = () => { if (pass) { pass.end(); pass = null; } };
  const submit = () => {
    endPass();
    if (encoder) { device.queue.submit([encoder.finish()]); encoder = null; }
  };
  const enc = () => (encoder ??= device.createCommandEncoder());
  const buf = (id: number) => {
    const b = buffers.get(id);
    if (!b) throw new Error(`webgpu runtime: unknown buffer ${id}`);
    return b;
  };
  const read = (c: { rid: number; id: number; size: number; sab?: SharedArrayBuffer }) => {
    const size = Math.max(4, Math.ceil(c.size / 4) * 4);
    const staging = device.createBuffer({ size, usage: 0x01 /* MAP_READ */ | 0x08 });
    endPass();
    enc().copyBufferToBuffer(buf(c.id), 0, staging, 0, size);
    submit();
    const finish = (data: ArrayBuffer | null, error?: string) => {
      staging.destroy();
      if (c.sab) {
        const flag = new Int32Array(c.sab, 0, 2);
        if (data) new Uint8Array(c.sab, HEADER).set(new Uint8Array(data, 0, c.size));
        else {
          const bytes = new TextEncoder().encode(error ?? "read failed");
          const room = c.sab.byteLength - HEADER;
          new Uint8Array(c.sab, HEADER).set(bytes.subarray(0, room));
          flag[1] = Math.min(bytes.length, room);
        }
        Atomics.store(flag, 0, data ? 1 : 2);
        Atomics.notify(flag, 0);
      } else if (data) post({ t: "data", rid: c.rid, data }, [data]);
      else post({ t: "data", rid: c.rid, error });
    };
    staging.mapAsync(0x01 /* READ */).then(
      () => {
        // Validation errors raised by earlier commands surface with the read that follows.
        if (errors.length) { finish(null, errors.splice(0).join("\n")); return; }
        const bytes = staging.getMappedRange(0, size).slice(0, c.size);
        staging.unmap();
        finish(bytes);
      },
      (e: unknown) => finish(null, String(e)),
    );
  };
  const run = (c: GpuCommand) => {
    switch (c.t) {
      case "create":
        buffers.set(c.id, device.createBuffer({ size: Math.max(16, Math.ceil(c.size / 16) * 16), usage }));
        return;
      case "destroy":
        // Destroying waits for queued work that uses the buffer, so submit first.
        submit();
        buffers.get(c.id)?.destroy();
        buffers.delete(c.id);
        return;
      case "write":
        // queue.writeBuffer runs before any command buffer submitted after it, so pending
        // dispatches (which may still read a pooled buffer's old contents) go first.
        submit();
        device.queue.writeBuffer(buf(c.id), 0, c.data);
        return;
      case "compile": {
        // An explicit layout: "auto" would drop bindings the shader happens not to read.
        const entries: GPUBindGroupLayoutEntry[] = [];
        for (let i = 0; i < c.nin + c.nout; i++) {
          entries.push({ binding: i, visibility: 4 /* COMPUTE */, buffer: { type: i < c.nin ? "read-only-storage" : "storage" } });
        }
        const layout = device.createBindGroupLayout({ entries });
        const module = device.createShaderModule({ code: c.code });
        const pipeline = device.createComputePipeline({ layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: "main" } });
        pipelines.set(c.pid, { pipeline, layout });
        return;
      }
      case "dispatch": {
        const p = pipelines.get(c.pid);
        if (!p) throw new Error(`webgpu runtime: unknown pipeline ${c.pid}`);
        const group = device.createBindGroup({
          layout: p.layout,
          entries: c.bufs.map((id, binding) => ({ binding, resource: { buffer: buf(id) } })),
        });
        pass ??= enc().beginComputePass();
        pass.setPipeline(p.pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(c.wg[0], c.wg[1], c.wg[2]);
        return;
      }
      case "copy":
        endPass();
        enc().copyBufferToBuffer(buf(c.src), c.srcOffset ?? 0, buf(c.dst), c.dstOffset ?? 0, Math.ceil(c.size / 4) * 4);
        return;
      case "read":
        read(c);
        return;
    }
  };
  return (batch) => {
    for (const c of batch) {
      try { run(c); } catch (e) {
        const msg = `webgpu runtime: ${(e as Error).message ?? e}`;
        errors.push(msg);
        post({ t: "error", message: msg });
      }
    }
    submit();
  };
}
