// Native scenario runner for the generated camera (sim/native.py builds it with Verilator).
//
// Usage: harness STIMULUS OUTPUT [VCD]   (sim/native.py passes /dev/stdin and /dev/stdout)
// (VCD: waves, only in a build made with --trace; every eval dumped, 10 time units a cycle)
//
// STIMULUS: one record per line, five decimal integers "kind a b c d":
//   0 cycles reset 0 0          scenario length (cycles after the prelude) and reset cycles
//   1 line cycle level 0        pin edge: line 1 (line1_in) or 2 (line2_i); scenario cycle
//   2 cycle addr data strobe    bus write requested for scenario cycle `cycle` (performed in
//                               cycle-1 when the bus is free); cycle -1 = prelude write
//   3 addr 0 0 0                bus read after the scenario (final register reads)
// Pin edges of a line must be sorted by cycle; writes are performed in file order.
//
// OUTPUT: "kind a b c d" lines, cycles absolute (cycle 0 = first cycle after reset):
//   1 signal cycle level 0      an output changed (signal index in OUTPUT order below)
//   2 index cycle resp 0        write `index` (file order) performed in `cycle`, BRESP
//   3 addr cycle data resp      read performed (AR accepted) in `cycle`, RDATA, RRESP
//   0 base end cycles_run 0     scenario cycle 0 = absolute `base` (the cycle after the last
//                               prelude write was performed); the scenario ends before `end`
//
// Cycle t: inputs for t are applied after rising edge t, the design is evaluated with clk low
// (outputs and handshakes of cycle t are sampled), then rising edge t+1 ends the cycle. A write
// is performed in the cycle in which the last of its AW and W handshakes happens (the cosim's
// definition, docs/coverification.md). Only output changes are recorded.

#include "Vdut.h"
#include "Vdut___024root.h"
#include "verilated.h"
#include "camera_harness.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unistd.h>
#include <vector>

namespace {

struct Pin {
    int64_t cycle;
    int level;
};

struct Write {
    int64_t cycle;
    uint32_t addr, data, strobe;
    int64_t aw = -1, w = -1, performed = -1;
    int resp = -1;
};

struct Read {
    uint32_t addr;
    int64_t performed = -1;
    uint32_t data = 0;
    int resp = -1;
};

int fail(const char* what) {
    std::fprintf(stderr, "native harness: %s\n", what);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) return fail("usage: harness STIMULUS OUTPUT [VCD]");
    // The output first (it may be /dev/stdout), then the design's own prints ($display) go to
    // stderr: they never mix with the records.
    FILE* out = std::fopen(argv[2], "w");
    if (!out) return fail("cannot open the output file");
    std::fflush(stdout);
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        return fail("cannot send the design's output to stderr");
    FILE* in = std::fopen(argv[1], "r");
    if (!in) return fail("cannot open the stimulus file");
    int64_t cycles = 0, reset = 3;
    std::vector<Pin> pins[2];
    std::vector<Write> writes;
    std::vector<Read> reads;
    long long k, a, b, c, d;
    int n;
    while ((n = std::fscanf(in, "%lld %lld %lld %lld %lld", &k, &a, &b, &c, &d)) == 5) {
        if (k == 0) {
            cycles = a;
            reset = b < 1 ? 1 : b;
        } else if (k == 1) {
            if (a != 1 && a != 2) return fail("pin record: line must be 1 or 2");
            pins[a - 1].push_back({b, static_cast<int>(c & 1)});
        } else if (k == 2) {
            writes.push_back({a, static_cast<uint32_t>(b), static_cast<uint32_t>(c),
                              static_cast<uint32_t>(d)});
        } else if (k == 3) {
            reads.push_back({static_cast<uint32_t>(a)});
        } else {
            return fail("unknown stimulus record kind");
        }
    }
    if (n != EOF) return fail("malformed stimulus file");
    std::fclose(in);
    for (auto& p : pins)
        for (size_t i = 1; i < p.size(); ++i)
            if (p[i].cycle < p[i - 1].cycle) return fail("pin edges must be sorted by cycle");
    size_t n_prelude = 0;
    while (n_prelude < writes.size() && writes[n_prelude].cycle < 0) ++n_prelude;
    for (size_t i = n_prelude; i < writes.size(); ++i)
        if (writes[i].cycle < 0) return fail("prelude writes must come first");

    auto t_start = std::chrono::steady_clock::now();
    auto context = std::make_unique<VerilatedContext>();
    auto top = std::make_unique<Vdut>(context.get());
    Vdut& dut = *top;
    bool tracing = false;
#if VM_TRACE
    std::unique_ptr<VerilatedVcdC> vcd;
    uint64_t vcd_time = 0;
    if (argc == 4) {
        context->traceEverOn(true);
        vcd = std::make_unique<VerilatedVcdC>();
        top->trace(vcd.get(), 99);
        vcd->open(argv[3]);
        tracing = true;
    }
    auto dump = [&](bool rising) {
        if (!vcd) return;
        vcd_time = rising ? (vcd_time / 10 + 1) * 10 : vcd_time / 10 * 10 + 5;
        vcd->dump(vcd_time);
    };
#else
    if (argc == 4) return fail("waves need a runner built with --trace");
    auto dump = [](bool) {};
#endif

    // Synchronous reset: `reset` rising edges sample rst = 1; cycle 0 follows the last one.
    hold_in_reset(dut);
    for (int64_t i = 0; i < reset; ++i) {
        dut.clk = 1;
        dut.eval();
        dump(true);
        dut.clk = 0;
        dut.eval();
        dump(false);
    }
    dut.rst = 0;

    std::vector<char> buffer(1 << 20);
    std::setvbuf(out, buffer.data(), _IOFBF, buffer.size());

    int64_t base = n_prelude == 0 ? 0 : -1;
    int64_t end = n_prelude == 0 ? cycles : INT64_MAX;
    size_t pi[2] = {0, 0};
    int level[2] = {0, 0};
    size_t wi = 0;       // the write being performed (or next)
    bool w_active = false;
    size_t ri = 0;
    bool r_active = false;
    unsigned prev = ~0u;
    bool inputs_changed = true;
    const bool rising_edge_only = !tracing && Vdut___024root___eval_phase__act != nullptr &&
                                  Vdut___024root___eval_phase__nba != nullptr;
    const int64_t hang = 1000;  // cycles a bus access may take before the run is abandoned
    int64_t access_start = 0;
    int64_t t = 0;
    for (;; ++t) {
        // ---- inputs of cycle t
        if (base >= 0 && t < end) {
            int64_t s = t - base;
            for (int l = 0; l < 2; ++l) {
                auto& p = pins[l];
                while (pi[l] < p.size() && p[pi[l]].cycle <= s) level[l] = p[pi[l]++].level;
            }
            if (dut.line1_in != level[0] || dut.line2_i != level[1]) inputs_changed = true;
            dut.line1_in = level[0];
            dut.line2_i = level[1];
        }
        if (!w_active && wi < writes.size()) {
            Write& w = writes[wi];
            bool due = w.cycle < 0 || (base >= 0 && t >= base + w.cycle - 1 && t < end);
            if (due) {
                dut.s_axil_awaddr = w.addr;
                dut.s_axil_wdata = w.data;
                dut.s_axil_wstrb = w.strobe;
                dut.s_axil_awvalid = 1;
                dut.s_axil_wvalid = 1;
                w_active = true;
                inputs_changed = true;
                access_start = t;
            }
        }
        bool reading_phase = t >= end && (wi >= writes.size() || writes[wi].cycle >= 0) &&
                             !w_active;
        if (reading_phase && !r_active) {
            if (ri >= reads.size()) break;
            dut.s_axil_araddr = reads[ri].addr;
            dut.s_axil_arvalid = 1;
            r_active = true;
            inputs_changed = true;
            access_start = t;
        }
        // ---- cycle t: settle with the clock low, sample
        if (tracing || inputs_changed || w_active || r_active ||
            !clock_low_without_eval(top->rootp, 0)) {
            dut.clk = 0;
            dut.eval();
            dump(false);
        }
        inputs_changed = false;
        unsigned now = output_bits(dut);
        if (now != prev) {
            unsigned diff = now ^ prev;
            for (int i = 0; i < 7; ++i)
                if (diff >> i & 1u)
                    std::fprintf(out, "1 %d %" PRId64 " %u 0\n", i, t, now >> i & 1u);
            prev = now;
        }
        bool aw_hs = false, w_hs = false, ar_hs = false;
        if (w_active) {
            Write& w = writes[wi];
            aw_hs = dut.s_axil_awvalid && dut.s_axil_awready;
            w_hs = dut.s_axil_wvalid && dut.s_axil_wready;
            if (aw_hs) w.aw = t;
            if (w_hs) w.w = t;
            if (w.performed < 0 && w.aw >= 0 && w.w >= 0) {
                w.performed = t;
                if (base < 0 && wi + 1 == n_prelude) {
                    base = t + 1;
                    end = base + cycles;
                }
            }
            if (dut.s_axil_bvalid && dut.s_axil_bready) {
                w.resp = dut.s_axil_bresp;
                std::fprintf(out, "2 %zu %" PRId64 " %d 0\n", wi, w.performed, w.resp);
                w_active = false;
                ++wi;
            } else if (t - access_start > hang) {
                return fail("a bus write got no response");
            }
        }
        if (r_active) {
            Read& r = reads[ri];
            ar_hs = dut.s_axil_arvalid && dut.s_axil_arready;
            if (ar_hs) r.performed = t;
            if (dut.s_axil_rvalid && dut.s_axil_rready) {
                r.data = dut.s_axil_rdata;
                r.resp = dut.s_axil_rresp;
                std::fprintf(out, "3 %u %" PRId64 " %u %d\n", r.addr, r.performed, r.data,
                             r.resp);
                r_active = false;
                ++ri;
            } else if (t - access_start > hang) {
                return fail("a bus read got no response");
            }
        }
        // ---- rising edge t+1 ends cycle t; handshaken channels drop their valid after it
        dut.clk = 1;
        if (rising_edge_only) {
            Vdut___024root___eval_phase__act(top->rootp);
            Vdut___024root___eval_phase__nba(top->rootp);
        } else {
            dut.eval();
            dump(true);
        }
        if (aw_hs) dut.s_axil_awvalid = 0;
        if (w_hs) dut.s_axil_wvalid = 0;
        if (ar_hs) dut.s_axil_arvalid = 0;
        if (aw_hs || w_hs || ar_hs) inputs_changed = true;
    }
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    std::fprintf(out, "0 %" PRId64 " %" PRId64 " %" PRId64 " %.0f\n", base, end, t, secs * 1e6);
    if (std::fclose(out) != 0) return fail("cannot write the output file");
    top->final();
#if VM_TRACE
    if (vcd) vcd->close();
#endif
    return 0;
}
