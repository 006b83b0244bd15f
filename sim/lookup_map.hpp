#pragma once
// A hash map for lookups only. The engine's tables of addresses, names, links, listeners and
// connections are asked once or more per packet; an ordered map walks log2(n) nodes per question
// (at 3,000 backends the link-latency table alone was 10% of a run, each level a cache miss).
// A hash table answers in one probe, but its iteration order is an accident of hashing, and an
// accident that reached the trace would break determinism. So this class has no iteration:
// entries are found by key, and the only way to visit them is `sorted_keys_where`, in key order.
// The hash is ours (std::hash may differ between builds; it never matters for lookups, but the
// lint bans it everywhere, and a fixed function keeps bucket behaviour, hence speed, the same).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/random.hpp"

namespace sim {

namespace detail {
template <class T>
inline constexpr bool all_integral = false;
template <class... T>
inline constexpr bool all_integral<std::tuple<T...>> = (std::is_integral_v<T> && ...);
template <class A, class B>
inline constexpr bool all_integral<std::pair<A, B>> = std::is_integral_v<A> && std::is_integral_v<B>;
}  // namespace detail

struct KeyHash {
  using is_transparent = void;  // a std::string key can be found by a std::string_view

  /// splitmix64's finaliser: every input bit moves every output bit, so the low bits the table
  /// uses for its bucket are spread even for keys that differ only in their high bits.
  static constexpr std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
  }
  /// Folds integer parts with one multiply each and mixes once at the end: a link's key
  /// (segment, source, destination) is hashed twice per packet, and six full mixes in a
  /// dependent chain were a visible part of Network::transit.
  static constexpr std::uint64_t fold(std::uint64_t h, std::uint64_t part) {
    h = (h ^ part) * 0x9e3779b97f4a7c15ULL;
    return (h << 29) | (h >> 35);
  }

  template <class T>
  std::size_t operator()(const T& key) const {
    return static_cast<std::size_t>(of(key));
  }

  template <class T>
  static std::uint64_t of(const T& key) {
    if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
      return mix(static_cast<std::uint64_t>(key));
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      return mix(fnv1a64(std::string_view(key)));
    } else if constexpr (detail::all_integral<T>) {
      std::uint64_t h = 0x243f6a8885a308d3ULL;
      std::apply([&h](const auto&... part) { ((h = fold(h, static_cast<std::uint64_t>(part))), ...); }, key);
      return mix(h);
    } else {
      return mix(hash_key(key));  // a project type says what identifies it (found by ADL)
    }
  }
};

template <class K, class V, class Alloc = std::allocator<std::pair<const K, V>>>
class LookupMap {
 public:
  template <class Q>
  V* find(const Q& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  template <class Q>
  const V* find(const Q& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  template <class Q>
  bool contains(const Q& key) const {
    return map_.find(key) != map_.end();
  }
  /// The entry for `key`, default-made if there was none. References stay valid until that
  /// entry is erased, whatever else is added (the table's nodes do not move).
  V& operator[](const K& key) { return map_[key]; }
  /// Makes the entry from `args` unless `key` has one; the entry, and whether it is new.
  template <class... A>
  std::pair<V*, bool> try_emplace(const K& key, A&&... args) {
    auto [it, made] = map_.try_emplace(key, std::forward<A>(args)...);
    return {&it->second, made};
  }
  template <class Q>
  bool erase(const Q& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    map_.erase(it);
    return true;
  }
  /// The keys `pred(key, value)` holds for, in ascending order: what a caller that must act on
  /// several entries iterates, so the order it acts in is the keys' and not the table's.
  template <class Pred>
  std::vector<K> sorted_keys_where(Pred pred) const {
    std::vector<K> out;
    for (const auto& [k, v] : map_)
      if (pred(k, v)) out.push_back(k);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::size_t size() const { return map_.size(); }

 private:
  std::unordered_map<K, V, KeyHash, std::equal_to<>, Alloc> map_;
};

/// A lookup table whose entries sit in one array (open addressing, linear probing), for tables
/// asked on every packet: a lookup reads one slot, usually in cache, where LookupMap follows a
/// bucket pointer and a node pointer into the heap (the link-latency table, asked twice per
/// packet, was most of Network::transit at 3,000 backends). The price: entries move, so a
/// pointer from find() or try_emplace() is valid only until the next insertion or erasure.
template <class K, class V>
class FlatLookupMap {
 public:
  template <class Q>
  V* find(const Q& key) {
    const std::size_t i = index_of(key);
    return i == kNone ? nullptr : &*slots_[i].value;
  }
  template <class Q>
  const V* find(const Q& key) const {
    const std::size_t i = index_of(key);
    return i == kNone ? nullptr : &*slots_[i].value;
  }
  template <class Q>
  bool contains(const Q& key) const {
    return index_of(key) != kNone;
  }
  template <class... A>
  std::pair<V*, bool> try_emplace(const K& key, A&&... args) {
    if (V* v = find(key)) return {v, false};
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    Slot& s = slots_[free_index(key)];
    s.key = key;
    s.value.emplace(std::forward<A>(args)...);
    ++size_;
    return {&*s.value, true};
  }
  V& operator[](const K& key) { return *try_emplace(key).first; }
  template <class Q>
  bool erase(const Q& key) {
    const std::size_t i = index_of(key);
    if (i == kNone) return false;
    remove_at(i);
    return true;
  }
  /// Erases every entry `pred(key, value)` holds for. `pred` must only look.
  template <class Pred>
  void erase_if(Pred pred) {
    std::vector<K> doomed;
    for (const Slot& s : slots_)
      if (s.value && pred(s.key, *s.value)) doomed.push_back(s.key);
    for (const K& k : doomed) erase(k);
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    slots_.clear();
    mask_ = 0;
    size_ = 0;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  struct Slot {
    K key{};
    std::optional<V> value;  // empty: a free slot
  };
  template <class Q>
  std::size_t index_of(const Q& key) const {
    if (slots_.empty()) return kNone;
    for (std::size_t i = KeyHash::of(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.value) return kNone;
      if (s.key == key) return i;
    }
  }
  std::size_t free_index(const K& key) const {
    std::size_t i = KeyHash::of(key) & mask_;
    while (slots_[i].value) i = (i + 1) & mask_;
    return i;
  }
  /// Backward-shift deletion: later entries of the same run move into the hole whenever their
  /// home slot is not between the hole and where they sit, so no tombstones are needed.
  void remove_at(std::size_t hole) {
    slots_[hole].value.reset();
    --size_;
    for (std::size_t j = (hole + 1) & mask_; slots_[j].value; j = (j + 1) & mask_) {
      const std::size_t home = KeyHash::of(slots_[j].key) & mask_;
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      slots_[hole].key = std::move(slots_[j].key);
      slots_[hole].value.emplace(std::move(*slots_[j].value));
      slots_[j].value.reset();
      hole = j;
    }
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_ = std::vector<Slot>(old.empty() ? 8 : old.size() * 2);
    mask_ = slots_.size() - 1;
    for (Slot& o : old)
      if (o.value) {
        Slot& s = slots_[free_index(o.key)];
        s.key = std::move(o.key);
        s.value.emplace(std::move(*o.value));
      }
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sim
