/** Offsets of a DCAP quote's signed regions (SGX v3, TDX v4/v5), for the negative tests. */
export const DcapQuote = {
  layout(quote: Uint8Array) {
    const b = Buffer.from(quote);
    const version = b.readUInt16LE(0);
    let body = 48;
    let bodyLength = version === 3 ? 384 : 584;
    if (version === 5) {
      bodyLength = b.readUInt32LE(50);
      body = 54;
    }
    let o = body + bodyLength + 4;
    const signature = o;
    const attestKey = o + 64;
    o += 128;
    if (version >= 4) o += 6;
    const qeReport = o;
    const qeReportSignature = o + 384;
    const qeAuth = o + 384 + 64 + 2;
    return { body, bodyLength, signature, attestKey, qeReport, qeReportSignature, qeAuth };
  },
};
