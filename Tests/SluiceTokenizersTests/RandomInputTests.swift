import Foundation
import XCTest

@testable import SluiceTokenizers

/// A small deterministic generator (SplitMix64), so that a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random Unicode and random bytes (made valid UTF-8) through every kind of fixture tokenizer:
/// nothing may crash, and every offset must be a range of code points inside its own input.
final class RandomInputTests: XCTestCase {
    static let tokenizers = [
        "bert-base-uncased", "bert-uncased-added", "wordpiece-cased-strip", "wordpiece-nfkc", "roberta-bpe",
        "gpt2-bpe", "llama3-bpe", "llama2-bpe", "bpe-char-suffix", "bpe-prefix", "xlmr-unigram", "sp-unigram",
        "unigram-bytefallback", "wordlevel-split-merged_with_next",
    ]

    /// A scalar from a mix of ranges: ASCII, Latin, combining marks, scripts, CJK, emoji,
    /// controls, whitespace, private use, and anything at all.
    static func randomScalar(_ rng: inout SplitMix64) -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [
            0x00...0x7F, 0x80...0x24F, 0x300...0x36F, 0x370...0x10FF, 0x1100...0x11FF, 0x2000...0x206F,
            0x3000...0x30FF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xE000...0xF8FF, 0xFE00...0xFFFF,
            0x1F300...0x1FAFF, 0xE0000...0xE007F, 0x0...0x10FFFF,
        ]
        while true {
            let range = ranges[Int(rng.next() % UInt64(ranges.count))]
            let value = range.lowerBound + UInt32(rng.next() % UInt64(range.count))
            if let scalar = Unicode.Scalar(value) { return scalar }
        }
    }

    static func randomText(_ rng: inout SplitMix64) -> String {
        let length = Int(rng.next() % 40)
        if rng.next() % 3 == 0 {
            // Random bytes, made valid UTF-8 (invalid sequences become U+FFFD).
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return String(decoding: bytes, as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            scalars.append(rng.next() % 4 == 0 ? " " : randomScalar(&rng))
        }
        return String(scalars)
    }

    func testRandomInputsGiveOffsetsInsideTheirInput() throws {
        var rng = SplitMix64(state: 20_241_125)
        for name in Self.tokenizers {
            var tokenizer = try Tokenizer(contentsOf: Fixtures.tokenizerURL(name))
            tokenizer.padding = nil
            for round in 0..<300 {
                let text = Self.randomText(&rng)
                let pair = round % 3 == 0 ? Self.randomText(&rng) : nil
                tokenizer.truncation =
                    round % 5 == 0 ? TruncationParameters(maxLength: 12, stride: 2) : nil
                let encoding: Encoding
                do {
                    encoding = try tokenizer.encode(text, pair: pair)
                } catch {
                    XCTFail("\(name): \"\(describe(text))\" threw \(error)")
                    continue
                }
                for window in [encoding] + encoding.overflowing {
                    check(
                        window, text: text, pair: pair, tokenizer: name,
                        sequencesNumbered: tokenizer.postProcessor != nil)
                }
                _ = tokenizer.decode(encoding.ids, skipSpecialTokens: round % 2 == 0)
            }
        }
    }

    func check(_ encoding: Encoding, text: String, pair: String?, tokenizer: String, sequencesNumbered: Bool)
    {
        let lengths = [text.unicodeScalars.count, pair?.unicodeScalars.count ?? 0]
        for (index, offset) in encoding.offsets.enumerated() {
            let sequence = encoding.sequenceIds[index] ?? 0
            // Without a post-processor the reference numbers the sequences of the main encoding
            // only, so an overflowing window of a pair reports sequence 0 for both texts.
            let length = !sequencesNumbered ? lengths.max()! : lengths[min(sequence, 1)]
            XCTAssertTrue(
                offset.start >= 0 && offset.start <= offset.end && offset.end <= length,
                "\(tokenizer): offset \(offset) of token \(index) outside its input of \(length) code points "
                    + "(\"\(describe(text))\"\(pair.map { ", \"\(describe($0))\"" } ?? ""))")
        }
        XCTAssertEqual(encoding.ids.count, encoding.offsets.count)
        XCTAssertEqual(encoding.ids.count, encoding.specialTokensMask.count)
    }
}
