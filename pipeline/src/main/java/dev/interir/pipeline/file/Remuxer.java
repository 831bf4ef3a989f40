package dev.interir.pipeline.file;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_format;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_query_codec;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_close;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_ROUND_NEAR_INF;
import static org.bytedeco.ffmpeg.global.avutil.AV_ROUND_PASS_MINMAX;
import static org.bytedeco.ffmpeg.global.avutil.av_compare_ts;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q_rnd;

import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVOutputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.PointerPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the final file: the restored H.264 video (from the encoder's temporary file) with each frame given the
 * exact timestamp of the input frame it came from, interleaved with every audio stream of the input copied
 * packet for packet (no decoding, no re-encoding). Audio codecs that MP4 cannot hold are left out with a warning.
 */
final class Remuxer {
    private static final Logger LOG = LoggerFactory.getLogger(Remuxer.class);
    private static final AVRational MICROS = av_make_q(1, 1_000_000);

    private Remuxer() {
    }

    /**
     * @param timestamps input frame timestamps in microseconds, one per encoded frame, in order
     * @return the number of audio streams copied
     */
    static int mux(Path videoTmp, long[] timestamps, int frames, Path input, Path out) throws IOException {
        AVFormatContext vin = open(videoTmp);
        AVFormatContext ain = null;
        AVFormatContext oc = new AVFormatContext(null);
        AVPacket vp = av_packet_alloc();
        AVPacket ap = av_packet_alloc();
        boolean headerWritten = false;
        try {
            ain = open(input);
            if (avformat_alloc_output_context2(oc, null, "mp4", out.toString()) < 0) {
                throw new IOException("cannot create MP4 output " + out);
            }
            AVOutputFormat ofmt = av_guess_format("mp4", null, null);
            int vIndex = -1;
            for (int i = 0; i < vin.nb_streams(); i++) {
                if (vin.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                    vIndex = i;
                    break;
                }
            }
            if (vIndex < 0) {
                throw new IOException("the encoder wrote no video stream");
            }
            AVStream inVideo = firstVideo(ain);
            AVStream vout = avformat_new_stream(oc, null);
            avcodec_parameters_copy(vout.codecpar(), vin.streams(vIndex).codecpar());
            vout.codecpar().codec_tag(0);
            AVRational srcTb = inVideo != null ? inVideo.time_base() : av_make_q(1, 90_000);
            vout.time_base(srcTb.den() >= 1000 ? srcTb : av_make_q(1, 90_000));
            if (inVideo != null) {
                vout.avg_frame_rate(inVideo.avg_frame_rate());
                vout.r_frame_rate(inVideo.r_frame_rate());
            }
            int[] audioMap = new int[ain.nb_streams()];
            AVRational[] inTb = new AVRational[ain.nb_streams()];
            int audio = 0;
            for (int i = 0; i < ain.nb_streams(); i++) {
                audioMap[i] = -1;
                AVStream s = ain.streams(i);
                inTb[i] = av_make_q(s.time_base().num(), s.time_base().den());
                if (s.codecpar().codec_type() != AVMEDIA_TYPE_AUDIO) {
                    continue;
                }
                if (avformat_query_codec(ofmt, s.codecpar().codec_id(), 0) != 1) {
                    LOG.warn("{}: audio stream {} (codec id {}) cannot be stored in MP4; left out", input, i, s.codecpar().codec_id());
                    continue;
                }
                AVStream a = avformat_new_stream(oc, null);
                avcodec_parameters_copy(a.codecpar(), s.codecpar());
                a.codecpar().codec_tag(0);
                a.time_base(s.time_base());
                a.disposition(s.disposition());
                audioMap[i] = a.index();
                audio++;
            }
            AVIOContext pb = new AVIOContext(null);
            if (avio_open(pb, out.toString(), AVIO_FLAG_WRITE) < 0) {
                throw new IOException("cannot write " + out);
            }
            oc.pb(pb);
            if (avformat_write_header(oc, (AVDictionary) null) < 0) {
                throw new IOException("cannot write the MP4 header of " + out);
            }
            headerWritten = true;
            AVRational vtb = vout.time_base();

            // merge: the video packets (frame k gets timestamps[k]) and the audio packets, in time order
            int k = 0;
            boolean vHas = false;
            boolean aHas = false;
            long lastVideo = Long.MIN_VALUE;
            long lastDuration = 0;
            while (true) {
                while (!vHas && k < frames) {
                    if (av_read_frame(vin, vp) < 0) {
                        break;
                    }
                    if (vp.stream_index() != vIndex) {
                        av_packet_unref(vp);
                        continue;
                    }
                    long pts = av_rescale_q_rnd(timestamps[k], MICROS, vtb, AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
                    if (pts <= lastVideo) {
                        pts = lastVideo + 1; // the muxer needs strictly increasing times
                    }
                    long duration = k + 1 < frames
                            ? av_rescale_q_rnd(timestamps[k + 1], MICROS, vtb, AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX) - pts
                            : lastDuration;
                    if (duration <= 0) {
                        duration = lastDuration > 0 ? lastDuration : 1;
                    }
                    lastDuration = duration;
                    lastVideo = pts;
                    vp.pts(pts);
                    vp.dts(pts); // openh264 makes no B-frames: decode order is display order
                    vp.duration(duration);
                    vp.stream_index(vout.index());
                    vp.pos(-1);
                    vHas = true;
                    k++;
                }
                while (!aHas && ain != null) {
                    if (av_read_frame(ain, ap) < 0) {
                        avformat_close_input(ain);
                        ain = null;
                        break;
                    }
                    int target = ap.stream_index() < audioMap.length ? audioMap[ap.stream_index()] : -1;
                    if (target < 0) {
                        av_packet_unref(ap);
                        continue;
                    }
                    av_packet_rescale_ts(ap, inTb[ap.stream_index()], oc.streams(target).time_base());
                    ap.stream_index(target);
                    ap.pos(-1);
                    aHas = true;
                }
                if (!vHas && !aHas) {
                    break;
                }
                boolean takeVideo = vHas && (!aHas || av_compare_ts(vp.dts(), vtb,
                        ap.dts() == AV_NOPTS_VALUE ? ap.pts() : ap.dts(), oc.streams(ap.stream_index()).time_base()) <= 0);
                AVPacket p = takeVideo ? vp : ap;
                if (av_interleaved_write_frame(oc, p) < 0) {
                    throw new IOException("writing " + (takeVideo ? "video" : "audio") + " to " + out + " failed");
                }
                if (takeVideo) {
                    vHas = false;
                } else {
                    aHas = false;
                }
            }
            if (k != frames) {
                throw new IOException("the encoder wrote " + k + " frames, expected " + frames);
            }
            if (av_write_trailer(oc) < 0) {
                throw new IOException("cannot finish " + out);
            }
            return audio;
        } finally {
            av_packet_free(vp);
            av_packet_free(ap);
            if (oc.pb() != null && !oc.pb().isNull()) {
                avio_close(oc.pb());
                oc.pb(null);
            }
            if (!oc.isNull()) {
                avformat_free_context(oc);
            }
            avformat_close_input(vin);
            if (ain != null) {
                avformat_close_input(ain);
            }
            if (!headerWritten) {
                LOG.debug("mux of {} stopped before the header", out);
            }
        }
    }

    private static AVStream firstVideo(AVFormatContext ic) {
        for (int i = 0; i < ic.nb_streams(); i++) {
            if (ic.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                return ic.streams(i);
            }
        }
        return null;
    }

    private static AVFormatContext open(Path file) throws IOException {
        AVFormatContext ic = new AVFormatContext(null);
        if (avformat_open_input(ic, file.toString(), null, null) < 0) {
            throw new VideoFileRestorer.VideoFileException("cannot open " + file.getFileName() + " for muxing");
        }
        if (avformat_find_stream_info(ic, (PointerPointer<?>) null) < 0) {
            avformat_close_input(ic);
            throw new VideoFileRestorer.VideoFileException("cannot read the streams of " + file.getFileName());
        }
        return ic;
    }
}
