// Interactive runner for the generated camera (sim/serve.py builds it with Verilator): a
// long-lived process that keeps the RTL between bus accesses, for `camtwin serve`.
//
// Usage: serve_harness            (commands on stdin, answers on stdout)
//
// The protocol (docs/gige.md, "The RTL behind the device") is text, one record per line, all
// numbers decimal; cycles are absolute (cycle 0 = the first cycle after reset):
//
//   p LINE CYCLE LEVEL   schedule input pin LINE (1: line1_in, 2: line2_i) to LEVEL from
//                        CYCLE on (edges of one line in cycle order; a past CYCLE applies in the
//                        current cycle). No answer.
//   r UNTIL MAXUS        run the cycles before UNTIL, or until MAXUS microseconds of wall time
//                        have passed (0: no limit). Answer: edges, then "t CYCLE".
//   R ADDR               AXI4-Lite read presented in the current cycle.
//                        Answer: edges, then "d DATA RRESP CYCLE_AR_ACCEPTED CYCLE".
//   W ADDR DATA STROBE   AXI4-Lite write presented in the current cycle.
//                        Answer: edges, then "b BRESP CYCLE_PERFORMED CYCLE".
//   q                    exit 0.
//
// Edges are "e SIGNAL CYCLE LEVEL" lines: an output changed in CYCLE (SIGNAL: index in the
// order frame_start, exposure_active, frame_trigger_wait, acquisition_active, line0_out,
// line2_o, line2_oe); every output is reported in the first cycle simulated. The final CYCLE
// of an answer is the next cycle to simulate. The process starts by printing "t 0" after reset.
//
// Cycle t (as native_harness.cpp): inputs for t are applied after rising edge t, the design is
// evaluated with clk low (outputs and handshakes of cycle t are sampled), then rising edge t+1
// ends the cycle. A write is performed in the cycle of the last of its AW and W handshakes.

#include "Vdut.h"
#include "Vdut___024root.h"
#include "verilated.h"
#include "camera_harness.h"

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>

namespace {

struct Pin {
    int64_t cycle;
    int level;
};

class Runner {
  public:
    Runner() : context_(std::make_unique<VerilatedContext>()), top_(new Vdut(context_.get())) {
        rising_edge_only_ = Vdut___024root___eval_phase__act != nullptr &&
                            Vdut___024root___eval_phase__nba != nullptr;
        Vdut& d = *top_;
        hold_in_reset(d);
        for (int i = 0; i < 3; ++i) {
            d.clk = 1;
            d.eval();
            d.clk = 0;
            d.eval();
        }
        d.rst = 0;
    }
    ~Runner() { top_->final(); }

    int64_t t = 0;
    std::deque<Pin> pins[2];

    // One cycle; `bus` when a bus channel is active (evaluate with the clock low).
    void cycle(bool bus) {
        Vdut& d = *top_;
        for (int l = 0; l < 2; ++l) {
            auto& q = pins[l];
            while (!q.empty() && q.front().cycle <= t) {
                level_[l] = q.front().level;
                q.pop_front();
            }
        }
        if (d.line1_in != level_[0] || d.line2_i != level_[1]) {
            d.line1_in = level_[0];
            d.line2_i = level_[1];
            changed_ = true;
        }
        if (changed_ || bus || !clock_low_without_eval(top_->rootp, 0)) {
            d.clk = 0;
            d.eval();
        }
        changed_ = false;
        unsigned now = output_bits(d);
        if (now != prev_) {
            unsigned diff = now ^ prev_;
            for (int i = 0; i < 7; ++i)
                if (diff >> i & 1u) std::printf("e %d %" PRId64 " %u\n", i, t, now >> i & 1u);
            prev_ = now;
        }
    }

    void rise() {
        Vdut& d = *top_;
        d.clk = 1;
        if (rising_edge_only_) {
            Vdut___024root___eval_phase__act(top_->rootp);
            Vdut___024root___eval_phase__nba(top_->rootp);
        } else {
            d.eval();
        }
        ++t;
    }

    void run(int64_t until, int64_t max_us) {
        auto start = std::chrono::steady_clock::now();
        while (t < until) {
            cycle(false);
            rise();
            if (max_us > 0 && (t & 4095) == 0) {
                auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
                if (us >= max_us) break;
            }
        }
        std::printf("t %" PRId64 "\n", t);
    }

    bool read(uint32_t addr) {
        Vdut& d = *top_;
        d.s_axil_araddr = addr;
        d.s_axil_arvalid = 1;
        changed_ = true;
        int64_t accepted = -1, start = t;
        for (;;) {
            cycle(true);
            bool ar = d.s_axil_arvalid && d.s_axil_arready;
            if (ar) accepted = t;
            bool done = d.s_axil_rvalid && d.s_axil_rready;
            uint32_t data = d.s_axil_rdata;
            unsigned resp = d.s_axil_rresp;
            rise();
            if (ar) {
                d.s_axil_arvalid = 0;
                changed_ = true;
            }
            if (done) {
                std::printf("d %u %u %" PRId64 " %" PRId64 "\n", data, resp, accepted, t);
                return true;
            }
            if (t - start > kHang) return false;
        }
    }

    bool write(uint32_t addr, uint32_t data, uint32_t strobe) {
        Vdut& d = *top_;
        d.s_axil_awaddr = addr;
        d.s_axil_wdata = data;
        d.s_axil_wstrb = strobe;
        d.s_axil_awvalid = 1;
        d.s_axil_wvalid = 1;
        changed_ = true;
        int64_t aw_at = -1, w_at = -1, performed = -1, start = t;
        for (;;) {
            cycle(true);
            bool aw = d.s_axil_awvalid && d.s_axil_awready;
            bool w = d.s_axil_wvalid && d.s_axil_wready;
            if (aw) aw_at = t;
            if (w) w_at = t;
            if (performed < 0 && aw_at >= 0 && w_at >= 0) performed = t;
            bool done = d.s_axil_bvalid && d.s_axil_bready;
            unsigned resp = d.s_axil_bresp;
            rise();
            if (aw) d.s_axil_awvalid = 0;
            if (w) d.s_axil_wvalid = 0;
            if (aw || w) changed_ = true;
            if (done) {
                std::printf("b %u %" PRId64 " %" PRId64 "\n", resp, performed, t);
                return true;
            }
            if (t - start > kHang) return false;
        }
    }

  private:
    static constexpr int64_t kHang = 1000;  // cycles a bus access may take
    std::unique_ptr<VerilatedContext> context_;
    std::unique_ptr<Vdut> top_;
    bool rising_edge_only_ = false;
    bool changed_ = true;
    int level_[2] = {0, 0};
    unsigned prev_ = ~0u;
};

int fail(const char* what) {
    std::fprintf(stderr, "serve harness: %s\n", what);
    return 2;
}

}  // namespace

int main() {
    static char out_buffer[1 << 16];
    std::setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
    Runner rtl;
    std::printf("t 0\n");
    std::fflush(stdout);
    char line[256];
    while (std::fgets(line, sizeof line, stdin)) {
        long long a = 0, b = 0, c = 0;
        switch (line[0]) {
            case 'p':
                if (std::sscanf(line + 1, "%lld %lld %lld", &a, &b, &c) != 3 || (a != 1 && a != 2))
                    return fail("malformed pin record");
                rtl.pins[a - 1].push_back({b, static_cast<int>(c & 1)});
                continue;
            case 'r':
                if (std::sscanf(line + 1, "%lld %lld", &a, &b) != 2)
                    return fail("malformed run record");
                rtl.run(a, b);
                break;
            case 'R':
                if (std::sscanf(line + 1, "%lld", &a) != 1) return fail("malformed read record");
                if (!rtl.read(static_cast<uint32_t>(a))) return fail("a bus read got no response");
                break;
            case 'W':
                if (std::sscanf(line + 1, "%lld %lld %lld", &a, &b, &c) != 3)
                    return fail("malformed write record");
                if (!rtl.write(static_cast<uint32_t>(a), static_cast<uint32_t>(b),
                               static_cast<uint32_t>(c)))
                    return fail("a bus write got no response");
                break;
            case 'q':
                std::fflush(stdout);
                return 0;
            default:
                return fail("unknown command");
        }
        std::fflush(stdout);
    }
    return 0;
}
