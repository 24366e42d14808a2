// JPEG through libjpeg-turbo's libjpeg API (Debian libjpeg62-turbo 2.1.5, the same library the
// reference vectors were made with). Default decoder settings (ISLOW IDCT, fancy upsampling,
// RGB output) are what CImg uses in the reference tool, so RGB output is bit-identical.
//
// libjpeg reports fatal errors through error_exit, which must not return; we longjmp back to
// RunDecoder(). To keep that well-defined in C++, RunDecoder() and the callbacks hold no objects
// with non-trivial destructors and every buffer comes from libjpeg's own pool (freed by
// jpeg_destroy_decompress); C++ state lives in the caller's frame and is reached by pointer.

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <string>

// jpeglib.h needs FILE and size_t declared before it.
// clang-format off
#include <cstdio>
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include "imagehash/decoder_internal.h"

namespace childsafe::imagehash::internal {

namespace {

enum class JpegFailure {
  kNone,
  kCorrupt,
  kTruncated,
  kTooManyScans,
  kTooLarge,
  kUnsupported,
  kSinkRefused
};

struct JpegErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg casts cinfo->err to this
  std::jmp_buf jump;
  JpegFailure failure;
  char message[JMSG_LENGTH_MAX];
};

struct JpegProgress {
  jpeg_progress_mgr pub;  // first member
  int max_scans;
};

// Everything RunDecoder touches, all trivially destructible.
struct JpegState {
  jpeg_decompress_struct cinfo;
  JpegErrorManager err;
  JpegProgress progress;
  bool created;
};

[[noreturn]] void Bail(j_common_ptr cinfo, JpegFailure failure) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  err->failure = failure;
  std::longjmp(err->jump, 1);
}

void OnErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  // JERR_NO_BACKING_STORE means the coefficient buffers would exceed max_memory_to_use.
  Bail(cinfo, cinfo->err->msg_code == JERR_NO_BACKING_STORE ? JpegFailure::kTooLarge
                                                            : JpegFailure::kCorrupt);
}

void OnEmitMessage(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  // Premature end of data: libjpeg would pad with grey and carry on; we refuse the file.
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
    (*cinfo->err->format_message)(cinfo, err->message);
    Bail(cinfo, JpegFailure::kTruncated);
  }
  cinfo->err->num_warnings++;  // other recoverable corruption is tolerated and counted
}

void OnProgress(j_common_ptr cinfo) {
  auto* p = reinterpret_cast<JpegProgress*>(cinfo->progress);
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > p->max_scans) {
    std::snprintf(reinterpret_cast<JpegErrorManager*>(cinfo->err)->message, JMSG_LENGTH_MAX,
                  "more than %d scans", p->max_scans);
    Bail(cinfo, JpegFailure::kTooManyScans);
  }
}

struct DecodeContext {
  std::span<const uint8_t> bytes;
  const DecodeLimits* limits;
  const JpegOptions* options;
  RowSink* sink;  // null: probe only
  ImageInfo info;
  Status sink_status;
};

ColorModel ModelOf(J_COLOR_SPACE space) {
  switch (space) {
    case JCS_GRAYSCALE:
      return ColorModel::kGrey;
    case JCS_CMYK:
      return ColorModel::kCmyk;
    case JCS_YCCK:
      return ColorModel::kYcck;
    default:
      return ColorModel::kRgb;
  }
}

int ExifOrientation(j_decompress_ptr cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m != nullptr; m = m->next) {
    if (m->marker != JPEG_APP0 + 1 || m->data_length < 6) continue;
    if (std::memcmp(m->data, "Exif\0\0", 6) != 0) continue;
    return ExifOrientationFromTiff(std::span<const uint8_t>(m->data + 6, m->data_length - 6));
  }
  return 0;
}

// Out-of-line so the temporaries (Status, strings) live and die here, not in RunDecoder.
bool CheckHeader(DecodeContext* ctx, j_decompress_ptr cinfo) {
  ctx->info.format = ImageFormat::kJpeg;
  ctx->info.width = static_cast<int>(cinfo->image_width);
  ctx->info.height = static_cast<int>(cinfo->image_height);
  ctx->info.color_model = ModelOf(cinfo->jpeg_color_space);
  ctx->info.bits_per_sample = cinfo->data_precision;
  ctx->info.has_alpha = false;
  ctx->info.exif_orientation = ExifOrientation(cinfo);
  Status s =
      CheckDimensions(ImageFormat::kJpeg, cinfo->image_width, cinfo->image_height, *ctx->limits);
  if (!s) {
    ctx->sink_status = std::move(s);
    return false;
  }
  return true;
}

bool BeginSink(DecodeContext* ctx, int width, int height, int channels) {
  ctx->sink_status = ctx->sink->Begin(ctx->info, width, height, channels);
  return static_cast<bool>(ctx->sink_status);
}

void CmykRowToRgb(const JSAMPLE* in, JSAMPLE* out, int width, bool adobe_inverted) {
  for (int x = 0; x < width; ++x) {
    unsigned c = in[4 * x], m = in[4 * x + 1], y = in[4 * x + 2], k = in[4 * x + 3];
    if (!adobe_inverted) {
      c = 255 - c;
      m = 255 - m;
      y = 255 - y;
      k = 255 - k;
    }
    // Now each value is 255 - ink; R = (255 - C)(255 - K) / 255, rounded.
    out[3 * x] = static_cast<JSAMPLE>((c * k + 127) / 255);
    out[3 * x + 1] = static_cast<JSAMPLE>((m * k + 127) / 255);
    out[3 * x + 2] = static_cast<JSAMPLE>((y * k + 127) / 255);
  }
}

// Returns normally on success or after the sink refused (ctx->sink_status); returns 1 via
// longjmp on libjpeg failure (st->err.failure says which).
int RunDecoder(JpegState* st, DecodeContext* ctx) {
  if (setjmp(st->err.jump)) return 1;
  j_decompress_ptr cinfo = &st->cinfo;
  jpeg_create_decompress(cinfo);
  st->created = true;
  // Hard cap on libjpeg's large buffers (coefficient arrays of progressive files): beyond it
  // libjpeg would need a backing store, which this build does not have, so it fails cleanly.
  cinfo->mem->max_memory_to_use = static_cast<long>(
      std::min<int64_t>(ctx->limits->max_pixels * 8 + (int64_t{16} << 20), int64_t{1} << 40));
  st->progress.pub.progress_monitor = OnProgress;
  st->progress.max_scans = ctx->limits->max_jpeg_scans;
  cinfo->progress = &st->progress.pub;
  jpeg_mem_src(cinfo, ctx->bytes.data(), static_cast<unsigned long>(ctx->bytes.size()));
  jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(cinfo, TRUE);
  if (!CheckHeader(ctx, cinfo)) return 0;
  if (ctx->sink == nullptr) return 0;

  const bool cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  if (cinfo->jpeg_color_space == JCS_UNKNOWN ||
      (cinfo->num_components != 1 && cinfo->num_components != 3 && !cmyk)) {
    std::snprintf(st->err.message, JMSG_LENGTH_MAX, "%d components, colour space %d",
                  cinfo->num_components, static_cast<int>(cinfo->jpeg_color_space));
    Bail(reinterpret_cast<j_common_ptr>(cinfo), JpegFailure::kUnsupported);
  }
  const bool grey_source = cinfo->jpeg_color_space == JCS_GRAYSCALE;
  if (cmyk) {
    cinfo->out_color_space = JCS_CMYK;
  } else if (grey_source || ctx->options->luma_only) {
    cinfo->out_color_space = JCS_GRAYSCALE;
  } else {
    cinfo->out_color_space = JCS_RGB;
  }
  cinfo->scale_num = static_cast<unsigned>(std::clamp(ctx->options->scale_num, 1, 8));
  cinfo->scale_denom = 8;
  jpeg_start_decompress(cinfo);

  const int width = static_cast<int>(cinfo->output_width);
  const int height = static_cast<int>(cinfo->output_height);
  const int channels = cmyk ? 3 : cinfo->output_components;
  if (!BeginSink(ctx, width, height, channels)) {
    jpeg_abort_decompress(cinfo);
    return 0;
  }
  const int rows_per_call = std::max(1, cinfo->rec_outbuf_height);
  JSAMPARRAY rows = (*cinfo->mem->alloc_sarray)(
      reinterpret_cast<j_common_ptr>(cinfo), JPOOL_IMAGE,
      static_cast<JDIMENSION>(width * cinfo->output_components), rows_per_call);
  JSAMPROW rgb = nullptr;
  if (cmyk) {
    rgb = reinterpret_cast<JSAMPROW>((*cinfo->mem->alloc_large)(
        reinterpret_cast<j_common_ptr>(cinfo), JPOOL_IMAGE, static_cast<size_t>(width) * 3));
  }
  const bool adobe_inverted = cinfo->saw_Adobe_marker;
  while (cinfo->output_scanline < cinfo->output_height) {
    const int y0 = static_cast<int>(cinfo->output_scanline);
    const int got = static_cast<int>(jpeg_read_scanlines(cinfo, rows, rows_per_call));
    for (int i = 0; i < got; ++i) {
      if (cmyk) {
        CmykRowToRgb(rows[i], rgb, width, adobe_inverted);
        ctx->sink->Row(y0 + i, rgb);
      } else {
        ctx->sink->Row(y0 + i, rows[i]);
      }
    }
  }
  jpeg_finish_decompress(cinfo);
  return 0;
}

Result<ImageInfo> Run(std::span<const uint8_t> bytes, const DecodeLimits& limits,
                      const JpegOptions& options, RowSink* sink) {
  JpegState st;
  std::memset(&st, 0, sizeof st);
  st.cinfo.err = jpeg_std_error(&st.err.pub);
  st.err.pub.error_exit = OnErrorExit;
  st.err.pub.emit_message = OnEmitMessage;
  DecodeContext ctx{bytes, &limits, &options, sink, ImageInfo{}, Status{}};
  const int failed = RunDecoder(&st, &ctx);
  if (st.created) jpeg_destroy_decompress(&st.cinfo);
  if (failed) {
    const std::string detail = st.err.message;
    switch (st.err.failure) {
      case JpegFailure::kTruncated: {
        Error e = Truncated(ImageFormat::kJpeg);
        e.detail = detail;
        return Fail(std::move(e));
      }
      case JpegFailure::kTooManyScans:
        return Fail(Corrupt(ImageFormat::kJpeg, "too many progressive scans: " + detail));
      case JpegFailure::kTooLarge: {
        Error e = Error::TooLarge("jpeg image needs more decoder memory than allowed");
        e.detail = detail;
        return Fail(std::move(e));
      }
      case JpegFailure::kUnsupported:
        return Fail(Unsupported(ImageFormat::kJpeg, detail));
      default:
        return Fail(Corrupt(ImageFormat::kJpeg, detail));
    }
  }
  if (!ctx.sink_status) return Fail(std::move(ctx.sink_status).error());
  return ctx.info;
}

}  // namespace

Result<ImageInfo> ProbeJpeg(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  return Run(bytes, limits, JpegOptions{}, nullptr);
}

Status DecodeJpeg(std::span<const uint8_t> bytes, const DecodeLimits& limits,
                  const JpegOptions& options, RowSink& sink) {
  CS_TRY(ImageInfo info, Run(bytes, limits, options, &sink));
  (void)info;
  return {};
}

}  // namespace childsafe::imagehash::internal
