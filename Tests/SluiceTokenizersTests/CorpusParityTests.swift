import Foundation
import XCTest

@testable import SluiceTokenizers

/// One line of `corpus_cases.jsonl`: an input of the big corpus and the reference's encoding,
/// written compactly (see make_corpus_cases in scripts/fixtures/make_tokenizer_fixtures.py).
struct CompactCase: Decodable {
    var t: String
    var x: String
    var p: String?
    /// Truncation: max length, stride, strategy, direction.
    var tr: [TruncationField]?
    var i: [Int]
    /// Offsets as (start - previous end, length) pairs, flattened.
    var o: [Int]
    /// The index of the input in the corpus of the file's header, if it is from there.
    var n: Int?
    /// Type ids, absent when all are 0.
    var y: [Int]?
    /// Positions of special tokens.
    var s: [Int]?
    /// Tokens, absent when each is the vocabulary's token for its id.
    var k: [String]?
    var d: String?
    var v: [CompactCase]?

    enum TruncationField: Decodable {
        case int(Int), string(String)
        init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                self = .int(value)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    enum CodingKeys: String, CodingKey { case t, n, x, p, tr, i, o, y, s, k, d, v }

    init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        t = try c.decodeIfPresent(String.self, forKey: .t) ?? ""
        x = try c.decodeIfPresent(String.self, forKey: .x) ?? ""
        p = try c.decodeIfPresent(String.self, forKey: .p)
        n = try c.decodeIfPresent(Int.self, forKey: .n)
        tr = try c.decodeIfPresent([TruncationField].self, forKey: .tr)
        i = try c.decode([Int].self, forKey: .i)
        o = try c.decode([Int].self, forKey: .o)
        y = try c.decodeIfPresent([Int].self, forKey: .y)
        s = try c.decodeIfPresent([Int].self, forKey: .s)
        k = try c.decodeIfPresent([String].self, forKey: .k)
        d = try c.decodeIfPresent(String.self, forKey: .d)
        v = try c.decodeIfPresent([CompactCase].self, forKey: .v)
    }

    /// `[start, end, start, end, …]`.
    var expectedOffsets: [Int] {
        var result = [Int]()
        var previous = 0
        for index in stride(from: 0, to: o.count - 1, by: 2) {
            let start = previous + o[index]
            result += [start, start + o[index + 1]]
            previous = start + o[index + 1]
        }
        return result
    }

    var truncation: TruncationParameters? {
        guard let tr, tr.count == 4, case .int(let maxLength) = tr[0], case .int(let stride) = tr[1],
            case .string(let strategy) = tr[2], case .string(let direction) = tr[3]
        else { return nil }
        return TruncationParameters(
            fixture: .init(max_length: maxLength, stride: stride, strategy: strategy, direction: direction))
    }

    /// The first difference from `actual`, or nil.
    func difference(from actual: Encoding, tokenizer: Tokenizer, path: String = "") -> String? {
        if actual.ids != i { return "\(path)ids: expected \(i), got \(actual.ids)" }
        let offsets = actual.offsets.flatMap { [$0.start, $0.end] }
        if offsets != expectedOffsets { return "\(path)offsets: expected \(expectedOffsets), got \(offsets)" }
        let typeIds = y ?? Array(repeating: 0, count: i.count)
        if actual.typeIds != typeIds { return "\(path)type_ids: expected \(typeIds), got \(actual.typeIds)" }
        var mask = Array(repeating: 0, count: i.count)
        for index in s ?? [] { mask[index] = 1 }
        if actual.specialTokensMask != mask {
            return "\(path)special_tokens_mask: expected \(mask), got \(actual.specialTokensMask)"
        }
        let tokens = k ?? i.map { tokenizer.idToToken($0) ?? "?" }
        if !zip(tokens, actual.tokens).allSatisfy({ sameScalars($0, $1) }) {
            return "\(path)tokens: expected \(tokens.map(describe)), got \(actual.tokens.map(describe))"
        }
        let windows = v ?? []
        if windows.count != actual.overflowing.count {
            return "\(path)overflowing.count: expected \(windows.count), got \(actual.overflowing.count)"
        }
        for (index, (want, got)) in zip(windows, actual.overflowing).enumerated() {
            if let d = want.difference(from: got, tokenizer: tokenizer, path: "\(path)overflowing[\(index)].")
            {
                return d
            }
        }
        return nil
    }
}

enum CorpusFixtures {
    nonisolated(unsafe) static var cached: [String: [CompactCase]]?

    /// The header line: the corpus, each input a string or `[text, pair]`.
    struct Header: Decodable {
        var corpus: [Input]

        enum Input: Decodable {
            case single(String), pair(String, String)
            init(from decoder: any Swift.Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) {
                    self = .single(text)
                } else {
                    let both = try container.decode([String].self)
                    self = .pair(both[0], both[1])
                }
            }
        }
    }

    static func cases(for name: String) throws -> [CompactCase] {
        if cached == nil {
            let data = try Data(contentsOf: Fixtures.directory.appendingPathComponent("corpus_cases.jsonl"))
            let decoder = JSONDecoder()
            var all = [String: [CompactCase]]()
            var corpus = [Header.Input]()
            var current = ""
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                if corpus.isEmpty, let header = try? decoder.decode(Header.self, from: Data(line)) {
                    corpus = header.corpus
                    continue
                }
                guard var item = try? decoder.decode(CompactCase.self, from: Data(line)) else {
                    // A {"t": name} line: the cases after it are that tokenizer's.
                    if let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                        let name = object["t"] as? String
                    {
                        current = name
                    }
                    continue
                }
                if let index = item.n {
                    switch corpus[index] {
                    case .single(let text): item.x = text
                    case .pair(let text, let pair): (item.x, item.p) = (text, pair)
                    }
                }
                item.t = current
                all[current, default: []].append(item)
            }
            cached = all
        }
        return cached![name] ?? []
    }

    /// Encodes and decodes every case of `name` with `base`; returns the failures.
    static func check(_ name: String, with base: Tokenizer) throws -> (passed: Int, failures: [String]) {
        var passed = 0
        var failures = [String]()
        for fixture in try cases(for: name) {
            var tokenizer = base
            tokenizer.padding = nil
            tokenizer.truncation = fixture.truncation
            let input =
                "input \"\(describe(fixture.x))\"" + (fixture.p.map { " pair \"\(describe($0))\"" } ?? "")
            do {
                let encoding = try tokenizer.encode(fixture.x, pair: fixture.p)
                if let problem = fixture.difference(from: encoding, tokenizer: tokenizer) {
                    failures.append("\(input): \(problem)")
                    continue
                }
                let decoded = tokenizer.decode(encoding.ids, skipSpecialTokens: true)
                if let want = fixture.d, !sameScalars(want, decoded) {
                    failures.append(
                        "\(input): decoded \"\(describe(decoded))\", expected \"\(describe(want))\"")
                    continue
                }
                passed += 1
            } catch {
                failures.append("\(input): threw \(error)")
            }
        }
        return (passed, failures)
    }
}

/// The big corpus (≥ 2,000 inputs, singles and pairs, every script) through each fixture
/// tokenizer: ids, type ids, special-token masks, offsets, tokens, overflowing windows and
/// decoded text must equal the reference's.
final class CorpusParityTests: XCTestCase {
    func checkCorpus(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tokenizer = try Tokenizer(contentsOf: Fixtures.tokenizerURL(name))
        let (passed, failures) = try CorpusFixtures.check(name, with: tokenizer)
        print("\(name): \(passed) of \(passed + failures.count) corpus cases match the reference")
        XCTAssertGreaterThan(
            passed + failures.count, 0, "no corpus cases for \(name)", file: file, line: line)
        for failure in failures.prefix(15) { XCTFail(failure, file: file, line: line) }
        XCTAssertEqual(failures.count, 0, "\(name): \(failures.count) cases differ", file: file, line: line)
    }

    func testBertBaseUncasedCorpus() throws { try checkCorpus("bert-base-uncased") }
    func testCasedWordPieceCorpus() throws { try checkCorpus("wordpiece-cased") }
    func testRobertaByteLevelBPECorpus() throws { try checkCorpus("roberta-bpe") }
    func testXLMRobertaUnigramCorpus() throws { try checkCorpus("xlmr-unigram") }
    func testSentencePieceUnigramCorpus() throws { try checkCorpus("sp-unigram") }
    func testGPT2ByteLevelCorpus() throws { try checkCorpus("gpt2-bpe") }
    func testLlama3SplitByteLevelCorpus() throws { try checkCorpus("llama3-bpe") }
    func testLlama2ByteFallbackBPECorpus() throws { try checkCorpus("llama2-bpe") }
    func testCharacterBPEWithSuffixCorpus() throws { try checkCorpus("bpe-char-suffix") }
    func testBPEWithContinuationPrefixCorpus() throws { try checkCorpus("bpe-prefix") }
    func testUnigramByteFallbackCorpus() throws { try checkCorpus("unigram-bytefallback") }
    func testWordLevelCorpus() throws { try checkCorpus("wordlevel") }
    func testSplitRemovedCorpus() throws { try checkCorpus("wordlevel-split-removed") }
    func testSplitIsolatedCorpus() throws { try checkCorpus("wordlevel-split-isolated") }
    func testSplitMergedWithPreviousCorpus() throws {
        try checkCorpus("wordlevel-split-merged_with_previous")
    }
    func testSplitMergedWithNextCorpus() throws { try checkCorpus("wordlevel-split-merged_with_next") }
    func testSplitContiguousCorpus() throws { try checkCorpus("wordlevel-split-contiguous") }
}
