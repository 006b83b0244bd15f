// sim::LookupMap answers lookups as an ordered map would, keeps entries where they are while
// others come and go, and visits entries only in key order, so no hash order reaches a caller.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <algorithm>
#include <vector>

#include "sim/lookup_map.hpp"
#include "sim/network.hpp"

TEST_CASE("a lookup map finds what was put in it and nothing else", "[lookup_map]") {
  sim::LookupMap<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, int> m;
  for (std::uint32_t i = 0; i < 1000; ++i) m.try_emplace({i % 7, i, i * 3}, static_cast<int>(i));
  REQUIRE(m.size() == 1000);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const int* v = m.find(std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>{i % 7, i, i * 3});
    REQUIRE(v != nullptr);
    REQUIRE(*v == static_cast<int>(i));
  }
  // The same parts in another order are another key.
  REQUIRE(m.find(std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>{1, 3, 1}) == nullptr);
  REQUIRE_FALSE(m.try_emplace({1, 1, 3}, -1).second);  // an existing key keeps its value
  REQUIRE(*m.find(std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>{1, 1, 3}) == 1);
}

TEST_CASE("a lookup map's entries stay where they are while others are added and erased", "[lookup_map]") {
  sim::LookupMap<sim::Ipv4, std::string> m;
  std::string& first = m[sim::Ipv4{0x0a000001}];
  first = "first";
  for (std::uint32_t i = 2; i < 5000; ++i) m[sim::Ipv4{0x0a000000 + i}] = "other";  // rehashes many times
  for (std::uint32_t i = 2; i < 5000; i += 2) REQUIRE(m.erase(sim::Ipv4{0x0a000000 + i}));
  REQUIRE(&first == m.find(sim::Ipv4{0x0a000001}));
  REQUIRE(first == "first");
  REQUIRE_FALSE(m.erase(sim::Ipv4{0x0a000002}));
  REQUIRE(m.size() == 1 + 2499);
}

TEST_CASE("a lookup map keyed by names is asked with a string view, without making a string", "[lookup_map]") {
  sim::LookupMap<std::string, std::uint32_t> m;
  m.try_emplace("nginx1", 1u);
  m.try_emplace("nginx10", 10u);
  const std::string_view asked = std::string_view("nginx10:80").substr(0, 7);
  REQUIRE(m.find(asked) != nullptr);
  REQUIRE(*m.find(asked) == 10u);
  REQUIRE(m.find(std::string_view("nginx")) == nullptr);
}

TEST_CASE("a lookup map visits entries only in key order, whatever order they were added in", "[lookup_map]") {
  sim::LookupMap<std::uint64_t, int> m;
  std::vector<std::uint64_t> added;
  std::uint64_t x = 12345;
  for (int i = 0; i < 500; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    added.push_back(x >> 20);
    m.try_emplace(x >> 20, i);
  }
  const auto odd = m.sorted_keys_where([](std::uint64_t, int v) { return v % 2 == 1; });
  REQUIRE(odd.size() == 250);
  REQUIRE(std::is_sorted(odd.begin(), odd.end()));
  for (auto k : odd) REQUIRE(*m.find(k) % 2 == 1);
  for (auto k : m.sorted_keys_where([](std::uint64_t, int v) { return v < 100; })) REQUIRE(m.erase(k));
  REQUIRE(m.size() == 400);
  REQUIRE(m.find(added[0]) == nullptr);
  REQUIRE(m.find(added[100]) != nullptr);
}

TEST_CASE("the lookup key hash is the same function on every build", "[lookup_map]") {
  // Fixed values: a change to the mixing shows here, not as a silent change in speed.
  REQUIRE(sim::KeyHash::of(std::uint32_t{0}) == 0u);
  REQUIRE(sim::KeyHash::of(std::uint64_t{1}) == 0x5692161d100b05e5ULL);
  REQUIRE(sim::KeyHash::of(std::string_view("ab")) == sim::KeyHash::of(std::string("ab")));
  REQUIRE(sim::KeyHash::of(std::pair<std::uint32_t, std::uint16_t>{1, 2}) !=
          sim::KeyHash::of(std::pair<std::uint32_t, std::uint16_t>{2, 1}));
}

TEST_CASE("a flat lookup map agrees with an ordered map through a long mix of inserts and erases", "[lookup_map]") {
  // Erasure shifts later entries of a probe run back into the hole; a wrong shift loses an
  // entry or finds a stale one, which this comparison catches (keys drawn from a small range so
  // that runs are long and wrap around the table's end).
  sim::FlatLookupMap<std::uint32_t, std::uint32_t> flat;
  std::map<std::uint32_t, std::uint32_t> ordered;
  std::uint64_t x = 7;
  for (int step = 0; step < 200000; ++step) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto key = static_cast<std::uint32_t>((x >> 33) % 3000);
    if ((x >> 20) % 3 == 0) {
      REQUIRE(flat.erase(key) == (ordered.erase(key) == 1));
    } else {
      const auto [v, made] = flat.try_emplace(key, static_cast<std::uint32_t>(step));
      const auto [it, made_too] = ordered.try_emplace(key, static_cast<std::uint32_t>(step));
      REQUIRE(made == made_too);
      REQUIRE(*v == it->second);
    }
  }
  REQUIRE(flat.size() == ordered.size());
  for (std::uint32_t k = 0; k < 3000; ++k) {
    const auto it = ordered.find(k);
    const std::uint32_t* v = flat.find(k);
    REQUIRE((v != nullptr) == (it != ordered.end()));
    if (v != nullptr) REQUIRE(*v == it->second);
  }
  flat.erase_if([](std::uint32_t k, std::uint32_t) { return k % 2 == 0; });
  for (std::uint32_t k = 0; k < 3000; ++k) REQUIRE(flat.contains(k) == (k % 2 == 1 && ordered.count(k) == 1));
}

TEST_CASE("a flat lookup map keyed by names is asked with a string view", "[lookup_map]") {
  sim::FlatLookupMap<std::string, std::uint32_t> m;
  m.try_emplace("haproxy1", 1u);
  m.try_emplace("haproxy1", 2u);  // a repeated name keeps the first
  REQUIRE(*m.find(std::string_view("haproxy1")) == 1u);
  REQUIRE(m.find(std::string_view("haproxy")) == nullptr);
  m.clear();
  REQUIRE(m.find(std::string_view("haproxy1")) == nullptr);
  m["x"] = 5u;
  REQUIRE(*m.find(std::string_view("x")) == 5u);
}

TEST_CASE("erasing the last slot's entry leaves an entry that wrapped round to the first slot findable", "[lookup_map]") {
  // A key whose home is the table's last slot, and one whose home is its first: erasing the
  // first key must not shift the second into the last slot, where its lookup would never look.
  // (Homes chosen by the hash's low 13 bits, the same slot for any table of up to 8,192.)
  std::uint32_t at_end = 0, at_start = 0;
  for (std::uint32_t k = 1; at_end == 0 || at_start == 0; ++k) {
    const auto low = sim::KeyHash::of(k) & 8191;
    if (low == 8191 && at_end == 0) at_end = k;
    if (low == 0 && at_start == 0) at_start = k;
  }
  sim::FlatLookupMap<std::uint32_t, int> m;
  m.try_emplace(at_end, 1);
  m.try_emplace(at_start, 2);
  REQUIRE(m.erase(at_end));
  REQUIRE(m.find(at_start) != nullptr);
  REQUIRE(*m.find(at_start) == 2);
}
